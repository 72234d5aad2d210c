"""The versioned room state, tested the Zulip way (house style §4.3): apply the events a
service publishes to the old snapshot and compare with a fresh snapshot."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Connection, RoomState
from prachum.evidence.selectors import check_chain
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.room import roster_cache as room_roster_cache
from prachum.room import snapshot as room_snapshot
from prachum.room import state as room_state

pytestmark = pytest.mark.django_db


def apply(snapshot: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What a client does with one event: take its version, patch the sections."""
    state = copy.deepcopy(snapshot)
    state["version"] = event["version"]
    for key, value in event["patch"].items():
        if key == "participant":
            state["participants"] = [
                value if p["id"] == value["id"] else p for p in state["participants"]
            ]
        elif key == "meeting_status":
            state["meeting"]["status"] = value
        else:
            assert key in state, key
            state[key] = value
    return state


def _comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k != "server_time"}


class Client:
    """One member's view of the room, kept up to date by the published events only."""

    def __init__(
        self,
        meeting: Meeting,
        user: Any,
        listener: Any,
        capture: Callable[..., Any],
    ) -> None:
        self.meeting, self.user, self.listener, self.capture = (
            meeting,
            user,
            listener,
            capture,
        )
        self.state = room_snapshot.room_snapshot(meeting=meeting, user=user)

    def step(self, change: Callable[[], Any], *, changes: int = 1) -> list[str]:
        with self.capture(execute=True):
            change()
        events = self.listener.events()
        assert [e["version"] for e in events] == [
            self.state["version"] + n for n in range(1, changes + 1)
        ], events
        for event in events:
            self.state = apply(self.state, event)
        # The process's cached roster, moved on by the events' patches ...
        cached = room_snapshot.room_snapshot(meeting=self.meeting, user=self.user)
        # ... and the room read afresh from the database.
        room_roster_cache.forget_cached_roster()
        fresh = room_snapshot.room_snapshot(meeting=self.meeting, user=self.user)
        assert _comparable(self.state) == _comparable(fresh)
        assert _comparable(cached) == _comparable(fresh)
        return [e["type"] for e in events]


def test_events_applied_to_the_snapshot_give_the_fresh_snapshot(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    invitee: Any,
    identified: Callable[..., Any],
    connect: Callable[..., Connection],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    meeting = notified_meeting
    secret_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เรื่องลับ", is_secret=True
    )
    open_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เรื่องเปิด"
    )
    viewer = members[2]
    identified(viewer, meeting)
    connect(viewer, meeting)
    client = Client(
        meeting,
        viewer,
        listen(room_state.room_group(meeting.pk)),
        django_capture_on_commit_callbacks,
    )
    assert client.state["version"] == 2
    assert "incidents" not in client.state

    for user in (chair, vice_chair, members[0], members[1], members[5]):
        assert client.step(lambda u=user: identified(u, meeting)) == [
            "participant.identity_confirmed"
        ]
        assert client.step(lambda u=user: connect(u, meeting)) == ["attendance.joined"]
    client.step(
        lambda: room_participants.vouch_identity(
            actor=chair, meeting=meeting, user=members[4], location="remote"
        )
    )
    client.step(lambda: connect(members[4], meeting))
    client.step(lambda: identified(secretary, meeting))
    client.step(lambda: connect(secretary, meeting))

    assert client.step(
        lambda: room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    ) == ["meeting.opened"]
    assert client.state["meeting"]["status"] == "open"
    assert client.state["quorum"]["counted"] == 7

    client.step(lambda: room_floor.raise_hand(actor=members[0], meeting=meeting))
    client.step(lambda: room_floor.raise_hand(actor=members[1], meeting=meeting))
    client.step(lambda: room_floor.raise_hand(actor=members[4], meeting=meeting))
    client.step(
        lambda: room_floor.give_floor(actor=chair, meeting=meeting, user=members[0])
    )
    client.step(lambda: room_floor.lower_hand(actor=members[1], meeting=meeting))
    assert client.state["floor"] == {
        "holder": str(members[0].pk),
        "hands": [str(members[4].pk)],
    }
    client.step(lambda: room_floor.end_floor(actor=chair, meeting=meeting))

    # A secret item: the vouched member leaves, with their raised hand.
    client.step(
        lambda: room_floor.set_current_item(
            actor=chair, meeting=meeting, item=secret_item
        )
    )
    assert client.state["current_item"]["is_secret"] is True
    assert client.state["quorum"]["counted"] == 6
    assert client.state["floor"]["hands"] == []
    vouched = next(
        p for p in client.state["participants"] if p["id"] == str(members[4].pk)
    )
    assert (vouched["identified"], vouched["connected"]) == (False, False)

    lost = Connection.objects.get(user=members[1], disconnected_at__isnull=True)
    client.step(
        lambda: room_connections.close_connection(connection_id=lost.pk, reason="lost")
    )
    client.step(lambda: connect(members[1], meeting))
    client.step(
        lambda: room_participants.remove_participant(
            actor=chair, meeting=meeting, user=members[5], reason="ออกนอกประเด็น"
        )
    )
    client.step(
        lambda: room_participants.readmit_participant(
            actor=chair, meeting=meeting, user=members[5]
        )
    )

    client.step(
        lambda: room_participants.admit_invitee(
            actor=chair, meeting=meeting, user=invitee, item=open_item
        )
    )
    client.step(
        lambda: room_floor.set_current_item(
            actor=chair, meeting=meeting, item=open_item
        )
    )
    client.step(lambda: identified(invitee, meeting))
    client.step(lambda: connect(invitee, meeting))
    client.step(
        lambda: room_lifecycle.suspend_meeting(
            actor=chair, meeting=meeting, reason="พัก"
        )
    )
    client.step(lambda: room_lifecycle.resume_meeting(actor=chair, meeting=meeting))
    client.step(lambda: room_lifecycle.close_meeting(actor=chair, meeting=meeting))

    assert client.state["meeting"]["status"] == "closed"
    assert not any(p["connected"] for p in client.state["participants"])
    assert client.state["quorum"]["counted"] == 0
    room = RoomState.objects.get(meeting=meeting)
    assert room.version == client.state["version"]
    assert check_chain(chain_key=meeting.chain_key).ok


def test_a_join_moves_the_cached_roster_on_instead_of_reading_it_again(
    notified_meeting: Meeting,
    members: list[Any],
    identified: Callable[..., Any],
    connect: Callable[..., Connection],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """A join storm: every join is a new version, and the snapshot each joiner gets
    must not recompute the whole roster (issue 4, a thousand people)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = notified_meeting
    for member in members[:3]:
        identified(member, meeting)
    room_roster_cache.forget_cached_roster()
    with django_capture_on_commit_callbacks(execute=True):
        connect(members[0], meeting)
    room_snapshot.room_snapshot(meeting=meeting, user=members[0])  # cached here
    with django_capture_on_commit_callbacks(execute=True):
        connect(members[1], meeting)
    with CaptureQueriesContext(connection) as queries:
        snapshot = room_snapshot.room_snapshot(meeting=meeting, user=members[2])
    roster_reads = [q["sql"] for q in queries if '"full_name"' in q["sql"]]
    assert roster_reads == []
    joined = next(p for p in snapshot["participants"] if p["id"] == str(members[1].pk))
    assert joined["connected"] is True
    assert snapshot["quorum"]["counted"] == 2

    # A version this process did not see (another process's change) is not guessed.
    RoomState.objects.filter(meeting=meeting).update(version=snapshot["version"] + 1)
    with CaptureQueriesContext(connection) as queries:
        room_snapshot.room_snapshot(meeting=meeting, user=members[2])
    assert [q["sql"] for q in queries if '"full_name"' in q["sql"]] != []
