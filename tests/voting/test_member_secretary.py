"""A voting secretary (กรรมการและเลขานุการ) counts for quorum, votes, and still runs the
meeting like a secretary (issue 13 point 6). The cast: eight voting members and a
plain secretary; here one more, the member-secretary, makes the base nine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance import policies as room_policies
from prachum.attendance.models import Connection
from prachum.committees.models import Committee, Role
from prachum.meetings.models import Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.room import quorum as room_quorum
from prachum.room.facts import current_item
from prachum.voting import policies as vote_policies
from prachum.voting import polls
from prachum.voting.models import EligibleVoter
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member_secretary(committee: Committee) -> Any:
    return MembershipFactory(
        committee=committee,
        role=Role.MEMBER_SECRETARY,
        is_voting=True,
        user=UserFactory(username="msec", full_name="กรรมการและเลขานุการ ทดสอบ"),
    ).user


def test_the_member_secretary_is_in_the_base_present_and_eligible(
    committee: Committee,
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    secretary: Any,
    present: Callable[..., Connection],
) -> None:
    msec = _member_secretary(committee)
    status = room_quorum.live_quorum(meeting=notified_meeting)
    assert (status.eligible, status.required) == (9, 5)  # not 8 and 4
    for user in (chair, vice_chair, members[0], members[1], msec, secretary):
        present(user, notified_meeting)
    status = room_quorum.live_quorum(meeting=notified_meeting)
    assert (status.counted, status.met) == (5, True)
    assert str(msec.pk) in status.counted_ids
    assert str(secretary.pk) not in status.counted_ids

    room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)
    item = current_item(meeting=notified_meeting)
    assert item is not None
    # the member-secretary prepares and opens the vote, and is among those who vote
    poll = polls.create_poll(
        actor=msec, item=item, kind="motion", question="อนุมัติหรือไม่", options=[]
    )
    poll = polls.open_poll(actor=msec, poll=poll)
    eligible = set(
        EligibleVoter.objects.filter(poll=poll).values_list("voter_id", flat=True)
    )
    assert msec.pk in eligible
    assert secretary.pk not in eligible
    assert (poll.base_members, poll.eligible_count) == (9, 5)


def test_the_member_secretary_runs_the_console_like_a_secretary(
    committee: Committee, notified_meeting: Meeting, member: Any
) -> None:
    msec = _member_secretary(committee)
    for allowed in (
        room_policies.can_run_console,
        room_policies.can_vouch,
        vote_policies.can_manage_polls,
        vote_policies.can_record_for_item,
    ):
        assert allowed(user=msec, meeting=notified_meeting)
        assert not allowed(user=member, meeting=notified_meeting)
