"""The meeting's media: the Janus room follows the meeting, and media feeds attendance.

- **Room lifecycle** (called by the room's lifecycle, floor and participants): opening ensures the
  room with forced, locked recording (not for a secret session); suspending mutes
  everyone server side and resuming unmutes; closing destroys the room. Janus is called
  after the meeting change commits, and a Janus failure never undoes it: it becomes an
  incident the chair sees.
- **Secret sessions** (R32, R43-R46): recording stops on a secret item and resumes
  after it; each gap is an evidence event ``media.recording_gap``. Whoever may not stay
 for the item is kicked from Janus as well as from the room.
- **Chair controls** (R18): :func:`mute_participant`, :func:`request_unmute`,
  :func:`stop_video`; removal kicks from Janus too.
- **Media presence** (R16, R22): :func:`on_media_signals` keeps per-person audio
  intervals from Janus's events; quorum counts a remote member only while their audio
  is up (``Committee.presence_requires_audio``, ``MEDIA_PRESENCE_ENFORCED``). A drop
  is an incident (R42).
- **Media server down/up**: incidents, a recording gap, and the room re-created.

Evidence kinds written here (payload keys). Only ``media.presence_changed``,
``media.server_down`` and ``media.room_restored`` change the room as clients see it
(they bump the room version and publish a patch; clients reconnect their media on
``media.room_restored``); the others are evidence only. Incidents use the existing
kinds with a code at the start of the description: ``MEDIA_LOST`` (``connection_lost``,
subject = the person), ``MEDIA_SERVER_DOWN``, ``MEDIA_ROOM_FAILED`` and
``MEDIA_NOT_RECORDING`` (``other``).

- ``media.room_opened`` {server, room, record}
- ``media.room_muted`` / ``media.room_unmuted`` {reason, participants}
- ``media.recording_stopped`` {reason, item, at, room}
- ``media.recording_resumed`` {reason, item, at, room}
- ``media.recording_gap`` {reason ("secret_session" | "media_server_down"), item,
  started_at, ended_at, server, room}
- ``media.participant_kicked`` {user, participants, reason}
- ``media.participant_muted`` {user, audio, video, participants}
- ``media.unmute_requested`` {user, participants}
- ``media.presence_changed`` {changes: [{user, audio_up, at, reason}]}
- ``media.server_down`` {server, at, error}; ``media.room_restored`` {server, room,
  record, down_since, at}
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.attendance.models import IncidentKind, RoomState
from prachum.attendance.selectors import needs_two_factors
from prachum.core.actors import Actor
from prachum.evidence.selectors import list_events
from prachum.media import services as media
from prachum.media.loader import get_media_server
from prachum.media.protocol import MediaError
from prachum.media.tokens import parse_opaque_id
from prachum.meetings.models import Meeting
from prachum.room import callers
from prachum.room.events import RoomEvent
from prachum.room.facts import allowed_for_item, current_item
from prachum.room.incidents import create_incident
from prachum.room.state import (
    ROOM_OPEN,
    append_room_evidence,
    commit_room_change,
    lock_room,
)

logger = logging.getLogger(__name__)

# Incident codes at the start of an incident's description.
MEDIA_SERVER_DOWN = "MEDIA_SERVER_DOWN"
MEDIA_ROOM_FAILED = "MEDIA_ROOM_FAILED"
MEDIA_LOST = "MEDIA_LOST"
MEDIA_NOT_RECORDING = "MEDIA_NOT_RECORDING"

REASON_SECRET = "secret_session"
REASON_SERVER_DOWN = "media_server_down"


def iso(at: dt.datetime) -> str:
    return at.isoformat()


def should_record(meeting: Meeting, item: Any = None) -> bool:
    """Record every participant except during a secret session (R31, R32)."""
    if item is None:
        item = current_item(meeting=meeting)
    return not needs_two_factors(meeting=meeting, item=item)


def _after_commit(fn: Callable[[], None]) -> None:
    """Run ``fn`` after commit; a failure is logged, never raised into the caller."""

    def run() -> None:
        try:
            fn()
        except Exception:  # media must never break the meeting
            logger.exception("media hook failed")

    transaction.on_commit(run)


def record_media_event(
    meeting_id: Any,
    kind: RoomEvent,
    payload: dict[str, Any],
    *,
    actor: Actor | None = None,
    patch: dict[str, Any] | None = None,
    incident: tuple[str, str, Any] | None = None,
) -> None:
    """Append a media evidence event (and an incident) under the room lock."""
    with transaction.atomic():
        meeting = Meeting.objects.get(pk=meeting_id)
        room = lock_room(meeting)
        if incident is not None:
            incident_kind, description, subject = incident
            create_incident(
                room.meeting,
                kind=incident_kind,
                reported_by=None,
                subject=subject,
                description=description,
            )
        if patch is None:
            append_room_evidence(room, kind, payload, actor=actor)
        else:
            commit_room_change(
                room, actor=actor, kind=kind, payload=payload, patch=patch
            )


def media_failed(meeting_id: Any, what: str, exc: Exception) -> None:
    """A Janus call failed after the meeting changed: an incident, nothing undone."""
    logger.error("media: %s failed for %s: %r", what, meeting_id, exc)
    with transaction.atomic():
        meeting = Meeting.objects.get(pk=meeting_id)
        lock_room(meeting)
        create_incident(
            meeting,
            kind=IncidentKind.OTHER,
            reported_by=None,
            subject=None,
            description=f"{MEDIA_ROOM_FAILED}: {what}: {exc}",
        )


def on_meeting_opened(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    _after_commit(lambda: ensure_media_room(meeting_id=meeting_id))


def ensure_media_room(*, meeting_id: Any) -> None:
    meeting = Meeting.objects.get(pk=meeting_id)
    if meeting.status not in ROOM_OPEN:
        return
    record = should_record(meeting)
    try:
        media_room = media.open_media_room(meeting_id=str(meeting_id), record=record)
    except MediaError as exc:
        media_failed(meeting_id, "open room", exc)
        return
    payload = {
        "server": media_room.server,
        "room": media_room.janus_room_id,
        "record": media_room.record,
    }
    record_media_event(meeting_id, RoomEvent.MEDIA_ROOM_OPENED, payload)
    if not media_room.record:  # opened on a secret session: the gap starts now
        item = current_item(meeting=meeting)
        record_media_event(
            meeting_id,
            RoomEvent.MEDIA_RECORDING_STOPPED,
            {
                "reason": REASON_SECRET,
                "item": str(item.pk) if item else None,
                "at": iso(timezone.now()),
                "room": media_room.janus_room_id,
            },
        )


def on_meeting_suspended(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    _after_commit(lambda: _moderate_room(meeting_id, mute=True, reason="suspended"))


def on_meeting_resumed(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    _after_commit(lambda: _moderate_room(meeting_id, mute=False, reason="resumed"))


def _moderate_room(meeting_id: Any, *, mute: bool, reason: str) -> None:
    try:
        done = media.moderate_room(meeting_id=str(meeting_id), mute_audio=mute)
    except MediaError as exc:
        media_failed(meeting_id, "mute all" if mute else "unmute all", exc)
        return
    record_media_event(
        meeting_id,
        RoomEvent.MEDIA_ROOM_MUTED if mute else RoomEvent.MEDIA_ROOM_UNMUTED,
        {"reason": reason, "participants": done},
    )


def before_meeting_sealed(room: RoomState) -> None:
    """Inside close_meeting, before the seal: end an open recording gap; after commit,
    destroy the room (the chain is sealed then: a failure is only logged)."""
    meeting = room.meeting
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None:
        return
    if not media_room.record:
        _append_gap_end(room, media_room, reason=REASON_SECRET, now=timezone.now())
    meeting_id = meeting.pk
    _after_commit(lambda: media.close_media_room(meeting_id=str(meeting_id)))


def _last_stop(meeting: Meeting) -> dict[str, Any] | None:
    event = (
        list_events(chain_key=meeting.chain_key)
        .filter(kind=RoomEvent.MEDIA_RECORDING_STOPPED)
        .last()
    )
    return dict(event.payload) if event is not None else None


def _append_gap_end(
    room: RoomState, media_room: Any, *, reason: str, now: dt.datetime
) -> None:
    stop = _last_stop(room.meeting) or {}
    append_room_evidence(
        room,
        RoomEvent.MEDIA_RECORDING_GAP,
        {
            "reason": stop.get("reason", reason),
            "item": stop.get("item"),
            "started_at": stop.get("at"),
            "ended_at": iso(now),
            "server": media_room.server,
            "room": media_room.janus_room_id,
        },
    )


def on_item_changed(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    _after_commit(lambda: apply_item_media(meeting_id=meeting_id))


def apply_item_media(*, meeting_id: Any) -> None:
    """Recording on or off for the current item; kick whoever may not stay (R32, R43)."""
    meeting = Meeting.objects.select_related("committee").get(pk=meeting_id)
    media_room = media.live_media_room(meeting_id=meeting_id)
    if media_room is None or meeting.status not in ROOM_OPEN:
        return
    item = current_item(meeting=meeting)
    record = should_record(meeting, item)
    if record != media_room.record:
        try:
            media.set_media_recording(meeting_id=str(meeting_id), record=record)
        except MediaError as exc:
            media_failed(meeting_id, "recording on" if record else "recording off", exc)
        else:
            _recording_switched(meeting, media_room, item, record)
    _kick_not_allowed(meeting)


def _recording_switched(
    meeting: Meeting, media_room: Any, item: Any, record: bool
) -> None:
    now = timezone.now()
    with transaction.atomic():
        room = lock_room(meeting)
        if not record:
            append_room_evidence(
                room,
                RoomEvent.MEDIA_RECORDING_STOPPED,
                {
                    "reason": REASON_SECRET,
                    "item": str(item.pk) if item else None,
                    "at": iso(now),
                    "room": media_room.janus_room_id,
                },
            )
            return
        _append_gap_end(room, media_room, reason=REASON_SECRET, now=now)
        append_room_evidence(
            room,
            RoomEvent.MEDIA_RECORDING_RESUMED,
            {
                "reason": REASON_SECRET,
                "item": str(item.pk) if item else None,
                "at": iso(now),
                "room": media_room.janus_room_id,
            },
        )


def _users_in_room(meeting: Meeting) -> set[str]:
    server = get_media_server()
    media_room = media.live_media_room(meeting_id=meeting.pk)
    iter_handles = getattr(server, "iter_handles", None)
    if media_room is None or iter_handles is None:
        return set()
    users = set()
    for _session, _handle, info in iter_handles():
        specific = info.get("plugin_specific") or {}
        if specific.get("room") != media_room.janus_room_id:
            continue
        parsed = parse_opaque_id(info.get("opaque_id"))
        if parsed is not None and parsed.meeting_id == str(meeting.pk):
            users.add(parsed.user_id)
    return users


def _kick_not_allowed(meeting: Meeting) -> None:
    in_room = _users_in_room(meeting)
    if not in_room:
        return
    # Who may be in the room now, read once for everyone (issue 4: a thousand people).
    allowed = allowed_for_item(meeting=meeting, item=current_item(meeting=meeting))
    for user_id in sorted(in_room - allowed):
        kick_from_media(
            meeting_id=meeting.pk, user_id=user_id, reason="not_allowed_for_item"
        )


def kick_from_media(*, meeting_id: Any, user_id: Any, reason: str) -> list[int]:
    # SIP callers first: a VideoRoom failure must not keep them in (issue 17).
    kicked = callers.kick_callers(meeting_id=meeting_id, user_id=user_id, reason=reason)
    try:
        kicked += media.kick_user(meeting_id=str(meeting_id), user_id=str(user_id))
    except MediaError as exc:
        media_failed(meeting_id, "kick", exc)
    if kicked:
        record_media_event(
            meeting_id,
            RoomEvent.MEDIA_PARTICIPANT_KICKED,
            {"user": str(user_id), "participants": kicked, "reason": reason},
        )
    return kicked


def on_participant_removed(meeting: Meeting, user: Any) -> None:
    meeting_id, user_id = meeting.pk, user.pk

    def kick() -> None:
        kick_from_media(meeting_id=meeting_id, user_id=user_id, reason="removed")

    _after_commit(kick)
