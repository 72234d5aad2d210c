"""The meeting's life in the room: open, suspend, resume, close (R22, R23, R34, R39).

This module is the only place that changes ``Meeting.status``: every change goes
through :func:`transition`, which follows :data:`TRANSITIONS` and refuses any other
move with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from prachum.attendance.models import IncidentKind, RoomState
from prachum.attendance.selectors import open_connections
from prachum.core.actors import Actor
from prachum.core.clock import clock_sync_status
from prachum.core.errors import CoreError, ErrorCode, ServiceError
from prachum.domain.notice import earliest_opening
from prachum.domain.thai_dates import format_thai_datetime
from prachum.evidence.recordings import schedule_processing as schedule_recordings
from prachum.evidence.sealing import seal_chain
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room import media
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.incidents import create_incident
from prachum.room.quorum import live_quorum, quorum_dict, refresh_quorum
from prachum.room.recording import recording_dict
from prachum.room.snapshot import floor_dict, item_dict, participants
from prachum.room.state import (
    ROOM_OPEN,
    commit_room_change,
    lock_room,
    require_chair,
    room_text,
)


@dataclass(frozen=True)
class Transition:
    """A legal move of ``Meeting.status``, and the refusal when the meeting is elsewhere."""

    sources: frozenset[str]
    target: str
    code: ErrorCode
    message: str | Promise


TRANSITIONS: dict[str, Transition] = {
    # The notice (APA s.80) may be sent again, with a new letter, until the meeting opens.
    "notify": Transition(
        frozenset({MeetingStatus.DRAFT, MeetingStatus.NOTIFIED}),
        MeetingStatus.NOTIFIED,
        CoreError.MEETING_NOT_EDITABLE,
        _("The meeting has started or ended."),
    ),
    "open": Transition(
        frozenset({MeetingStatus.NOTIFIED}),
        MeetingStatus.OPEN,
        RoomError.CANNOT_OPEN,
        _("Only a meeting whose notice was sent can be opened."),
    ),
    "suspend": Transition(
        frozenset({MeetingStatus.OPEN}),
        MeetingStatus.SUSPENDED,
        RoomError.NOT_OPEN,
        _("The meeting is not open."),
    ),
    "resume": Transition(
        frozenset({MeetingStatus.SUSPENDED}),
        MeetingStatus.OPEN,
        RoomError.NOT_SUSPENDED,
        _("The meeting is not suspended."),
    ),
    "close": Transition(
        frozenset(ROOM_OPEN),
        MeetingStatus.CLOSED,
        RoomError.NOT_OPEN,
        _("The meeting is not open."),
    ),
    # A noticed meeting is cancelled with a cancellation notice (notices.changes).
    "cancel": Transition(
        frozenset({MeetingStatus.NOTIFIED}),
        MeetingStatus.CANCELLED,
        RoomError.CANNOT_CANCEL,
        _(
            "Only a meeting whose notice was sent and that has not opened can be cancelled."
        ),
    ),
}


def require_transition(meeting: Meeting, action: str) -> Transition:
    """The transition ``action`` from the meeting's status now, or its refusal."""
    move = TRANSITIONS[action]
    if meeting.status not in move.sources:
        raise ServiceError(move.code, str(move.message))
    return move


def transition(meeting: Meeting, action: str) -> None:
    """Move ``meeting`` (locked by the caller) along ``action``; the only status writer."""
    move = require_transition(meeting, action)
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(status=move.target, updated_at=now)
    meeting.status, meeting.updated_at = move.target, now


# Checks other contexts add before a meeting may close (voting: no live poll). The
# room does not import voting; voting registers in its AppConfig.ready().
CloseGuard = Callable[[Meeting], None]
_close_guards: list[CloseGuard] = []


def register_close_guard(guard: CloseGuard) -> None:
    """``guard(meeting)`` raises :class:`ServiceError` when the meeting may not close."""
    if guard not in _close_guards:
        _close_guards.append(guard)


def _clock_record() -> dict[str, Any]:
    """The clock status for the evidence, the offset as a decimal string: the hashed
    record refuses floats (see ``evidence.services``), and chrony reports one."""
    clock = clock_sync_status()
    offset = clock.get("offset_ms")
    return {**clock, "offset_ms": None if offset is None else f"{offset:.6f}"}


def opens_from(meeting: Meeting) -> datetime:
    """The earliest time the chair may open: the noticed start less the allowed margin."""
    return earliest_opening(
        meeting.starts_at, margin_minutes=settings.MEETING_OPEN_EARLY_MINUTES
    )


def require_on_time(meeting: Meeting) -> None:
    """Members came for the noticed day and time (APA s.80): opening much earlier
    would hold the meeting without them. To meet earlier, postpone with a new notice."""
    earliest = opens_from(meeting)
    if timezone.now() < earliest:
        raise ServiceError(
            RoomError.TOO_EARLY,
            _(
                "The meeting was noticed for %(when)s. It may be opened from %(minutes)d "
                "minutes before, that is from %(earliest)s. To meet at another time, "
                "reschedule the meeting and send a new notice."
            )
            % {
                "when": format_thai_datetime(meeting.starts_at),
                "minutes": settings.MEETING_OPEN_EARLY_MINUTES,
                "earliest": format_thai_datetime(earliest),
            },
        )


def open_meeting(
    *, actor: Actor, meeting: Meeting, without_quorum_reason: str = ""
) -> RoomState:
    """Open the meeting; quorum is checked (APA s.79, R23) and the clock status kept (R39)."""
    with transaction.atomic():
        room = lock_room(meeting)
        meeting = room.meeting
        require_chair(actor, meeting)
        require_transition(meeting, "open")
        require_on_time(meeting)
        status = live_quorum(meeting=meeting)
        reason = room_text(without_quorum_reason, field="reason", required=False)
        if not status.met and not reason:
            raise ServiceError(
                CoreError.QUORUM_NOT_MET,
                _(
                    "There is no quorum (%(counted)d of %(required)d). The chair may open only with a recorded reason."
                )
                % {"counted": status.counted, "required": status.required},
                field="reason",
            )
        clock = _clock_record()
        transition(meeting, "open")
        room.opened_at = timezone.now()
        room.quorum_met = status.met
        if room.current_item_id is None:
            room.current_item = (
                meeting.agenda_items.filter(parent=None, is_removed=False)
                .order_by("position")
                .first()
            )
        if clock["synced"] is not True:
            create_incident(
                meeting,
                kind=IncidentKind.CLOCK_UNSYNCED,
                reported_by=None,
                subject=None,
                description=str(clock["source"]),
            )
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.MEETING_OPENED,
            payload={
                "quorum": quorum_dict(status),
                "without_quorum_reason": reason,
                "clock": clock,
            },
            patch={
                "meeting_status": MeetingStatus.OPEN,
                "quorum": quorum_dict(status),
                "current_item": item_dict(room),
                "recording": recording_dict(
                    meeting=meeting, item=room.current_item, media_room_opening=True
                ),
            },
        )
        media.on_meeting_opened(room.meeting)  # Janus room, after commit
    return room


def suspend_meeting(*, actor: Actor, meeting: Meeting, reason: str) -> RoomState:
    reason = room_text(reason, field="reason")
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        transition(room.meeting, "suspend")
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.MEETING_SUSPENDED,
            payload={"reason": reason},
            patch={"meeting_status": MeetingStatus.SUSPENDED},
        )
        media.on_meeting_suspended(room.meeting)  # everyone muted
    return room


def resume_meeting(*, actor: Actor, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        transition(room.meeting, "resume")
        quorum = refresh_quorum(room, actor=actor)
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.MEETING_RESUMED,
            payload={"quorum": quorum},
            patch={"meeting_status": MeetingStatus.OPEN, "quorum": quorum},
        )
        media.on_meeting_resumed(room.meeting)
    return room


def close_meeting(*, actor: Actor, meeting: Meeting) -> RoomState:
    """Close the meeting: open connections are closed and the clock status kept (R39)."""
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        require_transition(room.meeting, "close")
        for guard in _close_guards:  # e.g. no live poll (voting, ADR 0008)
            guard(room.meeting)
        now = timezone.now()
        closed = list(
            open_connections(meeting=room.meeting).values_list("id", flat=True)
        )
        open_connections(meeting=room.meeting).update(
            disconnected_at=now, disconnect_reason="closed"
        )
        transition(room.meeting, "close")
        room.closed_at = now
        room.floor_holder = None
        room.hands = []
        quorum = refresh_quorum(room, actor=actor)  # closed: nobody is connected
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.MEETING_CLOSED,
            payload={
                "clock": _clock_record(),
                "connections_closed": [str(c) for c in closed],
            },
            patch={
                "meeting_status": MeetingStatus.CLOSED,
                "recording": recording_dict(meeting=room.meeting),
                "floor": floor_dict(room),
                "participants": participants(meeting=room.meeting),
                "quorum": quorum,
            },
        )
        # The record of the meeting ends here: the agency signs the chain's head (R34).
        media.before_meeting_sealed(room)  # gap end; room destroyed on commit
        seal_chain(chain_key=room.meeting.chain_key, actor=actor)
        # After commit the worker converts the recordings, then seals again (ADR 0012).
        schedule_recordings(meeting_id=room.meeting_id)
    return room
