"""The live quorum: voting members identified and connected (Decree s.9(1), s.10; APA
s.79; R21-R23). The cast has eight voting members (chair, vice-chair, six members) and
a non-voting secretary, so "at least half" is four."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Connection, Incident, RoomState
from prachum.committees.models import Committee, Membership
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import snapshot as room_snapshot
from prachum.room import state as room_state

pytestmark = pytest.mark.django_db


def _incidents(meeting: Meeting) -> list[tuple[str, Any, str]]:
    return [
        (i.kind, i.subject, i.description)
        for i in Incident.objects.filter(meeting=meeting).order_by("at", "kind")
    ]


def test_the_quorum_rule_of_the_cast_is_at_least_half_of_the_voting_members(
    committee: Committee, notified_meeting: Meeting
) -> None:
    voting = Membership.objects.filter(committee=committee, is_voting=True).count()
    assert voting == 8
    assert (committee.quorum_numerator, committee.quorum_denominator) == (1, 2)
    status = room_quorum.live_quorum(meeting=notified_meeting)
    assert (status.eligible, status.required) == (voting, math.ceil(voting / 2))
    assert (status.counted, status.met) == (0, False)


def test_connected_and_identified_voting_members_make_the_quorum(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    identified: Callable[..., Any],
    present: Callable[..., Connection],
) -> None:
    # Identified but not connected does not count, nor connected under another check.
    identified(members[5], notified_meeting)
    assert room_quorum.live_quorum(meeting=notified_meeting).counted == 0

    for n, user in enumerate((chair, vice_chair, members[0]), start=1):
        present(user, notified_meeting)
        status = room_quorum.live_quorum(meeting=notified_meeting)
        assert (status.counted, status.met) == (n, False)
    present(members[1], notified_meeting)

    status = room_quorum.live_quorum(meeting=notified_meeting)
    assert (status.counted, status.required, status.met) == (4, 4, True)
    assert set(status.counted_ids) == {
        str(u.pk) for u in (chair, vice_chair, members[0], members[1])
    }
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is True


def test_the_secretary_and_invitees_never_change_the_count(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    invitee: Any,
    secretary_present: None,
    present: Callable[..., Connection],
    identified: Callable[..., Any],
    connect: Callable[..., Connection],
    open_room: Callable[[Meeting], Meeting],
) -> None:
    meeting = open_room(notified_meeting)
    before = room_quorum.live_quorum(meeting=meeting)
    assert before.counted == 4

    item = meeting.agenda_items.order_by("position").first()
    room_participants.admit_invitee(
        actor=chair, meeting=meeting, user=invitee, item=item
    )
    identified(invitee, meeting)
    connect(invitee, meeting)

    after = room_quorum.live_quorum(meeting=meeting)
    assert (after.counted, after.eligible, after.required) == (4, 8, 4)
    assert str(secretary.pk) not in after.counted_ids
    assert str(invitee.pk) not in after.counted_ids
    rows = {p["id"]: p for p in room_snapshot.participants(meeting=meeting)}
    assert rows[str(secretary.pk)]["connected"]
    assert not rows[str(secretary.pk)]["voting"]
    assert rows[str(invitee.pk)]["connected"]
    assert not rows[str(invitee.pk)]["voting"]


@pytest.fixture
def secretary_present(
    notified_meeting: Meeting, secretary: Any, present: Callable[..., Connection]
) -> None:
    present(secretary, notified_meeting)
    assert room_quorum.live_quorum(meeting=notified_meeting).counted == 0


def test_losing_and_regaining_the_quorum_while_open_is_logged(
    notified_meeting: Meeting,
    chair: Any,
    members: list[Any],
    connect: Callable[..., Connection],
    open_room: Callable[[Meeting], Meeting],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = open_room(notified_meeting)
    assert _incidents(meeting) == []
    leaving = members[1]
    connection = Connection.objects.get(meeting=meeting, user=leaving)
    console = listen(room_state.console_group(meeting.pk))
    room_events = listen(room_state.room_group(meeting.pk))

    with django_capture_on_commit_callbacks(execute=True):
        room_connections.close_connection(connection_id=connection.pk, reason="lost")

    assert _incidents(meeting) == [
        ("connection_lost", leaving, leaving.display_name),
        ("quorum_lost", None, "3/4"),
    ]
    assert RoomState.objects.get(meeting=meeting).quorum_met is False
    pushed = console.messages()
    assert [m["event"]["incident"]["kind"] for m in pushed] == [
        "connection_lost",
        "quorum_lost",
    ]
    assert pushed[0]["event"]["incident"]["subject"] == str(leaving.pk)
    [left] = room_events.events()
    assert left["type"] == "attendance.left"
    assert left["patch"]["quorum"]["counted"] == 3
    assert left["patch"]["quorum"]["met"] is False
    assert left["patch"]["participant"]["connected"] is False
    recorded = [
        e.payload["kind"]
        for e in list_events(chain_key=meeting.chain_key)
        if e.kind == "incident.recorded"
    ]
    assert recorded == ["connection_lost", "quorum_lost"]

    with django_capture_on_commit_callbacks(execute=True):
        connect(leaving, meeting)

    assert _incidents(meeting)[-1] == ("quorum_regained", None, "4/4")
    assert RoomState.objects.get(meeting=meeting).quorum_met is True
    assert [m["event"]["incident"]["kind"] for m in console.messages()] == [
        "quorum_regained"
    ]


def test_leaving_on_purpose_is_not_a_lost_connection(
    notified_meeting: Meeting,
    members: list[Any],
    present: Callable[..., Connection],
    open_room: Callable[[Meeting], Meeting],
) -> None:
    present(members[2], notified_meeting)  # five present: one may leave
    meeting = open_room(notified_meeting)
    connection = Connection.objects.get(meeting=meeting, user=members[2])
    room_connections.close_connection(connection_id=connection.pk, reason="left")
    assert _incidents(meeting) == []
    assert room_quorum.live_quorum(meeting=meeting).counted == 4


def test_a_lost_connection_with_another_socket_still_open_is_not_an_incident(
    notified_meeting: Meeting,
    members: list[Any],
    connect: Callable[..., Connection],
    open_room: Callable[[Meeting], Meeting],
) -> None:
    meeting = open_room(notified_meeting)
    phone = connect(members[0], meeting)
    room_connections.close_connection(connection_id=phone.pk, reason="lost")
    assert _incidents(meeting) == []


def test_before_opening_nothing_is_logged_when_people_come_and_go(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Connection],
) -> None:
    connections = [
        present(u, notified_meeting) for u in (chair, vice_chair, *members[:2])
    ]
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is True
    room_connections.close_connection(connection_id=connections[0].pk, reason="lost")
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is False
    assert not Incident.objects.exists()


def test_a_secret_item_that_leaves_too_few_two_factor_members_loses_the_quorum(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    present: Callable[..., Connection],
    connect: Callable[..., Connection],
) -> None:
    secret = meeting_services.add_agenda_item(
        actor=secretary, meeting=notified_meeting, title="เรื่องลับ", is_secret=True
    )
    for user in (chair, vice_chair, members[0]):
        present(user, notified_meeting)
    room_participants.vouch_identity(
        actor=chair, meeting=notified_meeting, user=members[1], location="remote"
    )
    connect(members[1], notified_meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is True

    room_floor.set_current_item(actor=chair, meeting=notified_meeting, item=secret)

    # Counted under the secret item's rule, not the previous item's.
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is False
    assert _incidents(notified_meeting) == [("quorum_lost", None, "3/4")]
    started = list_events(chain_key=notified_meeting.chain_key).last()
    assert started.kind == "agenda.item_started"
