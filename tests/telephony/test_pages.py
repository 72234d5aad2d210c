"""What people see of SIP (issue 17): the member's meeting page and their notice carry
the dial address, the meeting's code and their own PIN (only theirs, only when SIP is
on); the room's roster shows a caller as "โทรศัพท์ / ห้องประชุมวิดีโอ"."""

from __future__ import annotations

import email
from collections.abc import Callable
from email import policy
from typing import Any

import pytest
from django.urls import reverse

from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.meetings.models import Meeting
from prachum.notices.models import NoticeMessage
from prachum.room.snapshot import room_snapshot
from prachum.telephony.models import SipCall

pytestmark = pytest.mark.django_db


def test_the_meeting_page_shows_a_member_their_own_pin(
    notified_meeting: Meeting,
    members: list[Any],
    client_for: Callable[..., Any],
) -> None:
    page = client_for(members[0]).get(
        reverse("meetings:detail", args=[notified_meeting.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    code = dial_code_for(notified_meeting)
    assert f"sip:{code}@sip.example.go.th" in html
    assert "เข้าร่วมทางโทรศัพท์ / ห้องประชุมวิดีโอ" in html
    assert pin_for(notified_meeting, members[0]) in html
    assert pin_for(notified_meeting, members[1]) not in html


def test_without_sip_the_page_says_nothing_of_it(
    settings: Any,
    notified_meeting: Meeting,
    members: list[Any],
    client_for: Callable[..., Any],
) -> None:
    settings.SIP_ENABLED = False
    html = (
        client_for(members[0])
        .get(reverse("meetings:detail", args=[notified_meeting.pk]))
        .content.decode()
    )
    assert 'id="dial-in"' not in html


def test_each_notice_carries_the_recipients_own_pin(
    notified_meeting: Meeting, members: list[Any]
) -> None:
    code = dial_code_for(notified_meeting)
    bodies = {}
    for message in NoticeMessage.objects.filter(notice__meeting=notified_meeting):
        parsed = email.message_from_bytes(bytes(message.raw), policy=policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        assert body is not None
        bodies[message.recipient_id] = body.get_content()
    mine = bodies[members[0].pk]
    assert f"sip:{code}@sip.example.go.th" in mine
    assert pin_for(notified_meeting, members[0]) in mine
    assert pin_for(notified_meeting, members[1]) not in mine


def test_the_roster_shows_a_caller_by_telephone(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    client_for: Callable[..., Any],
) -> None:
    dial_in(members[2], sip_meeting)
    rows = {
        p["id"]: p
        for p in room_snapshot(meeting=sip_meeting, user=chair)["participants"]
    }
    assert rows[str(members[2].pk)]["by_phone"] is True
    assert rows[str(members[2].pk)]["connected"] is True
    assert rows[str(chair.pk)]["by_phone"] is False
    page = client_for(chair).get(reverse("attendance:room", args=[sip_meeting.pk]))
    assert page.status_code == 200
    # The room script labels a caller with this text (static/js/room.js).
    assert page.context["labels"]["by_phone"] == "โทรศัพท์ / ห้องประชุมวิดีโอ"
