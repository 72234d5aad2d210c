"""Deleting a never-noticed draft, numbers given by the first notice, and the
follow-up of a meeting adjourned for want of quorum (issue 13, point 5)."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings import life
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.meetings.selectors import list_meetings_for
from prachum.notices.services import send_notice
from prachum.room.quorum import live_quorum
from tests.conftest import bangkok_at

pytestmark = pytest.mark.django_db


def _notify(meeting: Meeting, chair: Any, secretary: Any) -> Meeting:
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    send_notice(actor=secretary, meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk)


def test_a_draft_has_no_number_and_shows_so(
    meeting: Meeting, client_for: Any, secretary: Any
) -> None:
    assert meeting.number is None
    page = client_for(secretary).get(reverse("meetings:detail", args=[meeting.pk]))
    assert "ยังไม่กำหนด" in page.content.decode()
    assert "None/" not in page.content.decode()


def test_a_deleted_draft_leaves_every_list_and_takes_no_number(
    make_meeting: Any, chair: Any, secretary: Any, member: Any, client_for: Any
) -> None:
    mistake = make_meeting(days_ahead=8, title="การประชุมที่สร้างผิด")
    real = make_meeting(days_ahead=10)

    life.delete_draft(actor=secretary, meeting=mistake, reason="สร้างซ้ำโดยไม่ตั้งใจ")

    assert not Meeting.objects.filter(pk=mistake.pk).exists()
    kept = Meeting.all_objects.get(pk=mistake.pk)
    assert kept.deleted_at is not None
    assert kept.number is None
    event = list(list_events(chain_key=mistake.chain_key))[-1]
    assert (event.kind, event.actor, event.payload["reason"]) == (
        "meeting.deleted",
        secretary,
        "สร้างซ้ำโดยไม่ตั้งใจ",
    )
    assert list(list_meetings_for(user=member)) == [real]
    home = client_for(member).get(reverse("meetings:home")).content.decode()
    assert "การประชุมที่สร้างผิด" not in home
    assert (
        client_for(secretary)
        .get(reverse("meetings:detail", args=[mistake.pk]))
        .status_code
        == 404
    )

    assert _notify(real, chair, secretary).number == 1  # no hole


def test_only_a_never_noticed_draft_can_be_deleted(
    meeting: Meeting, chair: Any, secretary: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        life.delete_draft(actor=chair, meeting=meeting)
    noticed = _notify(meeting, chair, secretary)
    with pytest.raises(ServiceError) as caught:
        life.delete_draft(actor=secretary, meeting=noticed)
    assert caught.value.code == "NOT_A_DRAFT"
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_numbers_follow_the_order_of_first_notices(
    make_meeting: Any, chair: Any, secretary: Any
) -> None:
    later = make_meeting(days_ahead=20)
    sooner = make_meeting(days_ahead=10)
    assert _notify(sooner, chair, secretary).number == 1
    assert _notify(later, chair, secretary).number == 2
    # A second notice of the same meeting keeps its number.
    send_notice(actor=secretary, meeting=sooner)
    assert Meeting.objects.get(pk=sooner.pk).number == 1
    event = list(list_events(chain_key=later.chain_key))[-1]
    assert event.payload["meeting_number"] == 2


def test_the_delete_page_works_for_the_secretary_only(
    meeting: Meeting, client_for: Any, secretary: Any, member: Any
) -> None:
    url = reverse("meetings:delete", args=[meeting.pk])
    assert client_for(member).get(url).status_code == 404
    page = client_for(secretary).get(url)
    assert page.status_code == 200
    assert "ลบ" in page.content.decode()
    detail = client_for(secretary).get(reverse("meetings:detail", args=[meeting.pk]))
    assert url in detail.content.decode()
    done = client_for(secretary).post(url, {"reason": ""})
    assert done.status_code == 302
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_a_follow_up_of_an_adjourned_meeting_gets_the_reduced_quorum(
    make_meeting: Any, chair: Any, secretary: Any
) -> None:
    adjourned = _notify(make_meeting(days_ahead=5), chair, secretary)
    with time_machine.travel(adjourned.starts_at + dt.timedelta(hours=3)):
        with pytest.raises(ServiceError):  # not before the adjourned meeting
            life.schedule_follow_up(
                actor=secretary,
                adjourned=adjourned,
                starts_at=bangkok_at(-1),
                ends_at=bangkok_at(-1, hour=12),
            )
        follow_up = life.schedule_follow_up(
            actor=secretary,
            adjourned=adjourned,
            starts_at=bangkok_at(7),
            ends_at=bangkok_at(7, hour=12),
        )
        assert follow_up.adjourned_from == adjourned
        assert follow_up.title == adjourned.title
        silent = live_quorum(meeting=follow_up)  # no notice yet: it has not said so
        assert "ADJOURNED_MATTER_NOTICE_SILENT" in silent.codes
        follow_up = _notify(follow_up, chair, secretary)
        reduced = live_quorum(meeting=follow_up)
        normal = live_quorum(meeting=adjourned)

    assert "ADJOURNED_MATTER_QUORUM" in reduced.codes
    assert reduced.required < normal.required
    assert reduced.required == -(-normal.eligible // 3)
    raw = bytes(follow_up.notices.get().messages.first().raw)
    body = email.message_from_bytes(raw, policy=policy.default).get_body(
        preferencelist=("plain",)
    )
    # The notice says so, in the agency's digits (Arabic here; R67).
    assert "มาตรา 79 วรรคสอง" in body.get_content()


def test_a_meeting_still_to_come_cannot_be_followed_up(
    make_meeting: Any, chair: Any, secretary: Any
) -> None:
    noticed = _notify(make_meeting(days_ahead=5), chair, secretary)
    with pytest.raises(ServiceError) as caught:
        life.schedule_follow_up(
            actor=secretary,
            adjourned=noticed,
            starts_at=bangkok_at(9),
            ends_at=bangkok_at(9, hour=12),
        )
    assert caught.value.code == "BAD_ADJOURNED"


def test_an_in_room_meeting_follow_up_keeps_its_room(
    make_meeting: Any, secretary: Any
) -> None:
    adjourned = make_meeting(mode=MeetingMode.IN_ROOM, venue="ห้องประชุม 2", days_ahead=4)
    send_notice(actor=secretary, meeting=adjourned)
    with time_machine.travel(adjourned.starts_at + dt.timedelta(days=1)):
        follow_up = life.schedule_follow_up(
            actor=secretary,
            adjourned=adjourned,
            starts_at=bangkok_at(6),
            ends_at=bangkok_at(6, hour=12),
        )
    assert (follow_up.venue, follow_up.mode) == ("ห้องประชุม 2", MeetingMode.IN_ROOM)


def test_the_postpone_and_cancel_pages(
    meeting: Meeting, chair: Any, secretary: Any, member: Any, client_for: Any
) -> None:
    noticed = _notify(meeting, chair, secretary)
    detail = client_for(secretary).get(reverse("meetings:detail", args=[noticed.pk]))
    html = detail.content.decode()
    reschedule = reverse("meetings:reschedule", args=[noticed.pk])
    cancel = reverse("meetings:cancel", args=[noticed.pk])
    assert reschedule in html
    assert cancel in html
    assert (
        reschedule
        not in client_for(member)
        .get(reverse("meetings:detail", args=[noticed.pk]))
        .content.decode()
    )
    assert client_for(member).get(reschedule).status_code == 404

    form = client_for(secretary).get(reschedule)
    assert form.status_code == 200
    assert "เลื่อนการประชุม" in form.content.decode()
    new = bangkok_at(16)
    done = client_for(secretary).post(
        reschedule,
        {
            "starts_at": new.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (new + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "venue": "",
            "reason": "ประธานติดราชการ",
        },
    )
    assert done.status_code == 302
    assert Meeting.objects.get(pk=noticed.pk).starts_at == new
    page = client_for(secretary).get(reverse("meetings:detail", args=[noticed.pk]))
    assert "แจ้งเลื่อนการประชุม" in page.content.decode()

    refused = client_for(secretary).post(cancel, {"reason": ""})
    assert refused.status_code == 400
    client_for(secretary).post(cancel, {"reason": "งบประมาณยังไม่อนุมัติ"})
    assert Meeting.objects.get(pk=noticed.pk).status == "cancelled"
    assert noticed.notices.filter(kind="cancellation").count() == 1
