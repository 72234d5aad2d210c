"""A hybrid meeting run through the services, for the minutes tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.accounts.models import SecondFactorVerification
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.minutes import services as minutes_services
from prachum.minutes.models import MinutesVersion
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.voting import ballots, item_record, polls


def _identify_and_connect(meeting: Any, user: Any, n: int) -> Any:
    SecondFactorVerification.objects.create(user=user, method="totp")
    room_participants.check_identity(
        meeting=meeting,
        user=user,
        location="remote",
        device_ok=True,
        ip_address="192.0.2.10",
        user_agent="test",
    )
    return room_connections.open_connection(
        meeting=meeting,
        user=user,
        channel_name=f"test.{n}",
        session_key=f"s{n}",
        ip_address="192.0.2.10",
        port=40000 + n,
        user_agent="test",
    )


@pytest.fixture
def held_meeting(
    make_meeting: Callable[..., Meeting],
    chair: Any,
    secretary: Any,
    committee: Any,
) -> Meeting:
    """Chair and members 1-4 remote, member5 signed in at the room, member6 absent;
    an open and a secret poll, a resolution, a dissent, an incident, a secret item."""
    meeting = make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 501")
    secret_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เรื่องบุคคล", is_secret=True
    )
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    send_notice(actor=secretary, meeting=meeting)
    members = {
        m.user.username: m.user for m in committee.memberships.select_related("user")
    }
    remote = [
        members[n]
        for n in (
            "chair",
            "vice_chair",
            "member1",
            "member2",
            "member3",
            "member4",
            "secretary",
        )
    ]
    connections = [_identify_and_connect(meeting, u, n) for n, u in enumerate(remote)]
    room_participants.sign_in_at_room(
        actor=secretary, meeting=meeting, user=members["member5"]
    )
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    poll = polls.open_poll(actor=chair, poll=poll)
    voters = [u for u in remote if u.username != "secretary"] + [members["member5"]]
    choices = {"member2": "no", "member3": "abstain"}
    for voter in voters:
        if poll.eligible.filter(voter=voter).exists():
            ballots.cast_ballot(
                voter=voter, poll=poll, choice=choices.get(voter.username, "yes")
            )
    poll = polls.close_poll(actor=chair, poll=poll)
    item_record.record_resolution(
        actor=secretary, item=item, text="อนุมัติโครงการตามที่เสนอ", poll=poll
    )
    item_record.record_dissent(
        actor=members["member2"],
        item=item,
        member=members["member2"],
        opinion="งบประมาณสูงเกินความจำเป็น",
    )
    secret_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="ต่ออายุสัญญา", secret=True
    )
    polls.open_poll(actor=chair, poll=secret_poll)
    for voter in voters:
        if secret_poll.eligible.filter(voter=voter).exists():
            ballots.cast_ballot(voter=voter, poll=secret_poll, choice="yes")
    polls.close_poll(actor=chair, poll=secret_poll)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=secret_item)
    item_record.record_resolution(
        actor=secretary, item=secret_item, text="เห็นชอบตามที่เสนอ"
    )
    room_incidents.report_incident(
        actor=members["member4"], meeting=meeting, description="ภาพกระตุก"
    )
    room_connections.close_connection(connection_id=connections[5].id, reason="lost")
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def draft(held_meeting: Meeting, secretary: Any) -> MinutesVersion:
    """The first draft of ``held_meeting``'s minutes."""
    return minutes_services.draft_minutes(actor=secretary, meeting=held_meeting)
