"""Each notice e-mail greets its recipient by name and position in the committee
(ตำแหน่งในคณะกรรมการ), where the roster gives one; and a member-secretary sends it."""

from __future__ import annotations

import email
from email import policy
from typing import Any

import pytest

from prachum.committees.models import Committee, Role
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.notices import services
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _greeting(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return str(body).splitlines()[0]


def test_the_greeting_names_the_position_in_the_committee(
    committee: Committee, meeting: Meeting, chair: Any, member: Any
) -> None:
    committee.memberships.filter(user=member).update(
        position_title="ผู้อำนวยการ กศน.อำเภอเมือง"
    )
    msec = MembershipFactory(
        committee=committee,
        role=Role.MEMBER_SECRETARY,
        is_voting=True,
        user=UserFactory(username="msec", full_name="กรรมการและเลขานุการ ทดสอบ"),
    ).user
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    notice = services.send_notice(actor=msec, meeting=meeting)
    greetings = {m.recipient_id: _greeting(bytes(m.raw)) for m in notice.messages.all()}
    assert greetings[member.pk] == (
        f"เรียน {member.display_name} ผู้อำนวยการ กศน.อำเภอเมือง"
    )
    assert greetings[chair.pk] == f"เรียน {chair.display_name}"
