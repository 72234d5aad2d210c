"""Opening, suspending, resuming and closing the meeting (APA s.79; R18, R23, R39)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prachum.attendance import selectors as attendance_selectors
from prachum.attendance.models import Connection, Incident, RoomState
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room import connections as room_connections
from prachum.room import facts as room_facts
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event

pytestmark = pytest.mark.django_db

SYNCED_CLOCK = {
    "source": "chronyc",
    "synced": True,
    "offset_ms": "0.012345",
    "reference": "CB9A4D0A (time1.nimt.or.th)",
}


def _status(meeting: Meeting) -> str:
    return Meeting.objects.get(pk=meeting.pk).status


def _refused(code: str, change: Callable[[], Any], meeting: Meeting) -> ServiceError:
    before = (
        event_kinds(meeting),
        _status(meeting),
        room_facts.get_room(meeting=meeting).version,
    )
    with pytest.raises(ServiceError) as caught:
        change()
    assert caught.value.code == code
    after = (
        event_kinds(meeting),
        _status(meeting),
        room_facts.get_room(meeting=meeting).version,
    )
    assert after == before
    return caught.value


def _quorate(
    meeting: Meeting, people: tuple[Any, ...], present: Callable[..., Any]
) -> None:
    for user in people:
        present(user, meeting)


def test_a_draft_meeting_cannot_be_opened(meeting: Meeting, chair: Any) -> None:
    _refused(
        "CANNOT_OPEN",
        lambda: room_lifecycle.open_meeting(actor=chair, meeting=meeting),
        meeting,
    )


@pytest.mark.parametrize("who", ["member", "vice_chair", "outsider"])
def test_only_the_chair_or_secretariat_opens(
    request: pytest.FixtureRequest, who: str, notified_meeting: Meeting
) -> None:
    actor = request.getfixturevalue(who)
    error = _refused(
        "CHAIR_ONLY",
        lambda: room_lifecycle.open_meeting(actor=actor, meeting=notified_meeting),
        notified_meeting,
    )
    assert isinstance(error, PermissionDeniedError)


def test_opening_with_a_quorum_records_it_and_the_clock(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Any],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _quorate(notified_meeting, (chair, vice_chair, *members[:2]), present)
    room_events = listen(room_state.room_group(notified_meeting.pk))
    version = room_facts.get_room(meeting=notified_meeting).version

    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)

    assert _status(notified_meeting) == MeetingStatus.OPEN
    room = RoomState.objects.get(meeting=notified_meeting)
    assert room.version == version + 1
    assert room.opened_at is not None
    assert room.quorum_met is True
    first = notified_meeting.agenda_items.order_by("position").first()
    assert room.current_item == first
    event = last_event(notified_meeting, "meeting.opened")
    assert event.actor == chair
    assert event.payload["clock"] == SYNCED_CLOCK
    assert event.payload["without_quorum_reason"] == ""
    assert event.payload["quorum"]["counted"] == 4
    assert event.payload["quorum"]["met"] is True
    assert event.payload["room_version"] == version + 1
    assert not Incident.objects.exists()
    [published] = room_events.events()
    assert published["type"] == "meeting.opened"
    assert published["version"] == version + 1
    assert published["patch"]["meeting_status"] == "open"
    assert published["patch"]["current_item"]["id"] == str(first.pk)
    assert published["patch"]["current_item"]["number"] == "1"


def test_opening_with_an_unsynchronised_clock_is_an_incident(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Any],
    server_clock: Callable[..., None],
) -> None:
    _quorate(notified_meeting, (chair, vice_chair, *members[:2]), present)
    server_clock(synced=False)

    room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)

    clock = last_event(notified_meeting, "meeting.opened").payload["clock"]
    assert (clock["source"], clock["synced"]) == ("chronyc", False)
    [incident] = Incident.objects.filter(meeting=notified_meeting)
    assert (incident.kind, incident.description) == ("clock_unsynced", "chronyc")


def test_opening_without_a_clock_source_is_flagged_unknown(
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _quorate(notified_meeting, (chair, vice_chair, *members[:2]), present)
    empty = tmp_path / "no-commands"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)

    clock = last_event(notified_meeting, "meeting.opened").payload["clock"]
    assert clock == {
        "source": "unknown",
        "synced": None,
        "offset_ms": None,
        "reference": None,
    }
    assert Incident.objects.get().kind == "clock_unsynced"


def test_without_a_quorum_the_chair_must_give_a_reason(
    notified_meeting: Meeting,
    chair: Any,
    members: list[Any],
    present: Callable[..., Any],
) -> None:
    _quorate(notified_meeting, (chair, members[0]), present)
    for reason in ("", "   "):
        error = _refused(
            "QUORUM_NOT_MET",
            lambda r=reason: room_lifecycle.open_meeting(
                actor=chair, meeting=notified_meeting, without_quorum_reason=r
            ),
            notified_meeting,
        )
        assert error.field == "reason"

    room_lifecycle.open_meeting(
        actor=chair,
        meeting=notified_meeting,
        without_quorum_reason="  รับทราบเรื่องแจ้งเท่านั้น ไม่มีการลงมติ  ",
    )

    assert _status(notified_meeting) == MeetingStatus.OPEN
    assert RoomState.objects.get(meeting=notified_meeting).quorum_met is False
    payload = last_event(notified_meeting, "meeting.opened").payload
    assert payload["without_quorum_reason"] == "รับทราบเรื่องแจ้งเท่านั้น ไม่มีการลงมติ"
    assert (payload["quorum"]["counted"], payload["quorum"]["met"]) == (2, False)


def test_an_open_meeting_cannot_be_opened_again(
    notified_meeting: Meeting, chair: Any, open_room: Callable[[Meeting], Meeting]
) -> None:
    meeting = open_room(notified_meeting)
    _refused(
        "CANNOT_OPEN",
        lambda: room_lifecycle.open_meeting(actor=chair, meeting=meeting),
        meeting,
    )


def test_suspend_resume_and_their_refusals(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    member: Any,
    open_room: Callable[[Meeting], Meeting],
) -> None:
    _refused(
        "NOT_OPEN",
        lambda: room_lifecycle.suspend_meeting(
            actor=chair, meeting=notified_meeting, reason="พัก"
        ),
        notified_meeting,
    )
    meeting = open_room(notified_meeting)
    _refused(
        "NOT_SUSPENDED",
        lambda: room_lifecycle.resume_meeting(actor=chair, meeting=meeting),
        meeting,
    )
    _refused(
        "CHAIR_ONLY",
        lambda: room_lifecycle.suspend_meeting(
            actor=member, meeting=meeting, reason="พัก"
        ),
        meeting,
    )
    with pytest.raises(ServiceError) as caught:
        room_lifecycle.suspend_meeting(actor=chair, meeting=meeting, reason="  ")
    assert caught.value.code == "REQUIRED"

    version = room_facts.get_room(meeting=meeting).version
    room_lifecycle.suspend_meeting(
        actor=secretary, meeting=meeting, reason="ระบบเสียงขัดข้อง"
    )
    assert _status(meeting) == MeetingStatus.SUSPENDED
    assert last_event(meeting, "meeting.suspended").payload == {
        "reason": "ระบบเสียงขัดข้อง",
        "room_version": version + 1,
    }
    _refused(
        "NOT_OPEN",
        lambda: room_lifecycle.suspend_meeting(
            actor=chair, meeting=meeting, reason="อีก"
        ),
        meeting,
    )
    # Hands are not raised while suspended.
    _refused(
        "NOT_OPEN", lambda: room_floor.raise_hand(actor=chair, meeting=meeting), meeting
    )

    room_lifecycle.resume_meeting(actor=chair, meeting=meeting)
    assert _status(meeting) == MeetingStatus.OPEN
    resumed = last_event(meeting, "meeting.resumed")
    assert resumed.payload["quorum"]["counted"] == 4
    assert resumed.payload["room_version"] == version + 2


def test_closing_ends_every_open_connection(
    notified_meeting: Meeting,
    chair: Any,
    members: list[Any],
    connect: Callable[..., Connection],
    open_room: Callable[[Meeting], Meeting],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = open_room(notified_meeting)
    extra = connect(members[0], meeting)
    room_connections.close_connection(connection_id=extra.pk, reason="left")
    room_lifecycle.suspend_meeting(actor=chair, meeting=meeting, reason="พัก")
    open_ids = set(
        attendance_selectors.open_connections(meeting=meeting).values_list(
            "pk", flat=True
        )
    )
    assert len(open_ids) == 4
    room_events = listen(room_state.room_group(meeting.pk))

    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)

    assert _status(meeting) == MeetingStatus.CLOSED
    assert not attendance_selectors.open_connections(meeting=meeting).exists()
    closed = Connection.objects.filter(pk__in=open_ids)
    assert {c.disconnect_reason for c in closed} == {"closed"}
    assert Connection.objects.get(pk=extra.pk).disconnect_reason == "left"
    room = RoomState.objects.get(meeting=meeting)
    assert room.closed_at is not None
    assert {c.disconnected_at for c in closed} == {room.closed_at}
    event = last_event(meeting, "meeting.closed")
    assert set(event.payload["connections_closed"]) == {str(pk) for pk in open_ids}
    assert event.payload["clock"] == SYNCED_CLOCK
    [published] = room_events.events()
    assert published["type"] == "meeting.closed"
    assert published["patch"]["meeting_status"] == "closed"
    assert published["patch"]["quorum"]["counted"] == 0
    assert check_chain(chain_key=meeting.chain_key).ok

    _refused(
        "NOT_OPEN",
        lambda: room_lifecycle.close_meeting(actor=chair, meeting=meeting),
        meeting,
    )
    _refused(
        "CANNOT_OPEN",
        lambda: room_lifecycle.open_meeting(actor=chair, meeting=meeting),
        meeting,
    )
    with pytest.raises(ServiceError) as caught:
        connect(members[0], meeting)
    assert caught.value.code == "ROOM_NOT_AVAILABLE"


def test_closing_a_meeting_that_never_opened_is_refused(
    notified_meeting: Meeting, chair: Any
) -> None:
    _refused(
        "NOT_OPEN",
        lambda: room_lifecycle.close_meeting(actor=chair, meeting=notified_meeting),
        notified_meeting,
    )


def test_the_chain_verifies_after_a_whole_meeting(
    notified_meeting: Meeting,
    chair: Any,
    open_room: Callable[[Meeting], Meeting],
) -> None:
    meeting = open_room(notified_meeting)
    room_lifecycle.suspend_meeting(actor=chair, meeting=meeting, reason="พัก")
    room_lifecycle.resume_meeting(actor=chair, meeting=meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert kinds[-3:] == ["meeting.resumed", "meeting.closed", "evidence.sealed"]
    assert check_chain(chain_key=meeting.chain_key).ok
