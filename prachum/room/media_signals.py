"""Media feeds the room: audio presence, drops and media server failures.

Receivers of :mod:`prachum.media.signals` (connected in ``RoomConfig.ready``). Quorum
counts a remote member only while their audio is up when the committee requires it
(R16, R22); a drop is an incident (R42); a media server that dies and comes back leaves
an incident, a recording gap and a re-created room.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prachum.attendance.models import IncidentKind
from prachum.committees.models import Membership
from prachum.media import presence
from prachum.media import services as media
from prachum.media.janus_events import MediaSignal, SignalKind
from prachum.media.protocol import MediaError
from prachum.media.tokens import check_nonce
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room.events import RoomEvent
from prachum.room.incidents import create_incident
from prachum.room.media import (
    MEDIA_LOST,
    MEDIA_NOT_RECORDING,
    MEDIA_SERVER_DOWN,
    REASON_SERVER_DOWN,
    iso,
    media_failed,
    should_record,
)
from prachum.room.quorum import refresh_quorum
from prachum.room.recording import recording_dict
from prachum.room.snapshot import participants
from prachum.room.state import (
    ROOM_OPEN,
    append_room_evidence,
    commit_room_change,
    lock_room,
)

logger = logging.getLogger(__name__)


_UP = {SignalKind.UP, SignalKind.RESUMED}


_DOWN = {SignalKind.DOWN, SignalKind.STOPPED, SignalKind.LEFT}


# A drop the chair must hear about (R42); a kick by the chair is not one.
_NOT_A_FAILURE = {"kicked"}


def _meeting_or_none(key: str) -> Meeting | None:
    try:
        pk = uuid.UUID(key)
    except ValueError:
        return None
    return Meeting.objects.select_related("committee").filter(pk=pk).first()


def on_media_signals(sender: Any, signals: list[MediaSignal], **kwargs: Any) -> None:
    by_meeting: dict[str, list[MediaSignal]] = defaultdict(list)
    for signal in signals:
        if signal.meeting_key:
            by_meeting[signal.meeting_key].append(signal)
    for key, batch in by_meeting.items():
        meeting = _meeting_or_none(key)
        if meeting is not None:
            apply_media_signals(meeting=meeting, signals=batch)


def _trusted(meeting: Meeting, signal: MediaSignal, members: dict[str, Any]) -> Any:
    """The member a signal is about, if its opaque id was issued by this server."""
    user = members.get(signal.user_key)
    if user is None:
        return None
    if not check_nonce(
        key=settings.JANUS_TOKEN_SECRET,
        meeting_id=str(meeting.pk),
        user_id=signal.user_key,
        nonce=signal.connection_key,
    ):
        logger.warning("media: ignored a signal with a forged opaque id: %r", signal)
        return None
    return user


def apply_media_signals(*, meeting: Meeting, signals: list[MediaSignal]) -> None:
    """Audio intervals from one meeting's signals; incidents for drops; quorum."""
    members = {
        str(m.user_id): m.user
        for m in Membership.objects.filter(committee=meeting.committee).select_related(
            "user"
        )
    }
    changes: list[dict[str, Any]] = []
    dropped: list[tuple[Any, str]] = []
    rejoined: list[Any] = []
    for signal in signals:
        user = _trusted(meeting, signal, members)
        if user is None:
            continue
        audio_signal = signal.kind in (SignalKind.RESUMED, SignalKind.STOPPED)
        if audio_signal and signal.detail.get("media") not in ("audio", ""):
            continue  # video stopping does not change presence
        before = presence.has_audio(meeting_id=meeting.pk, user_id=user.pk)
        if signal.kind in _UP:
            if not presence.is_publisher_handle(
                server=signal.server, handle_id=signal.handle_id
            ):
                continue
            presence.start_audio(
                meeting_id=meeting.pk,
                user_id=user.pk,
                server=signal.server,
                handle_id=signal.handle_id,
                connection_key=signal.connection_key,
                at=signal.at,
            )
            if signal.kind == SignalKind.UP:
                rejoined.append(user)
            reason = signal.kind
        elif signal.kind in _DOWN:
            reason = str(signal.detail.get("reason") or signal.kind)
            presence.stop_audio(
                meeting_id=meeting.pk,
                user_id=user.pk,
                server=signal.server,
                handle_id=signal.handle_id,
                at=signal.at,
                reason=reason,
            )
        elif signal.kind == SignalKind.ICE_FAILED:
            dropped.append((user, SignalKind.ICE_FAILED))
            continue
        else:
            continue
        after = presence.has_audio(meeting_id=meeting.pk, user_id=user.pk)
        if before != after:
            changes.append(
                {
                    "user": str(user.pk),
                    "audio_up": after,
                    "at": iso(signal.at),
                    "reason": reason,
                }
            )
            if not after and reason not in _NOT_A_FAILURE:
                dropped.append((user, reason))
    if changes or dropped:
        _presence_changed(meeting, changes, dropped)
    if meeting.status == MeetingStatus.SUSPENDED:
        for user in rejoined:  # a new publish is not muted yet
            try:
                media.moderate_user(
                    meeting_id=str(meeting.pk),
                    user_id=str(user.pk),
                    mute_audio=True,
                    mute_video=False,
                )
            except MediaError:
                logger.exception("media: could not mute a rejoined participant")


def _presence_changed(
    meeting: Meeting, changes: list[dict[str, Any]], dropped: list[tuple[Any, str]]
) -> None:
    with transaction.atomic():
        room = lock_room(meeting)
        meeting = room.meeting
        if meeting.status in ROOM_OPEN:
            for user, reason in dropped:
                create_incident(
                    meeting,
                    kind=IncidentKind.CONNECTION_LOST,
                    reported_by=None,
                    subject=user,
                    description=f"{MEDIA_LOST}: {user.display_name} ({reason})",
                )
        if not changes:
            return
        quorum = refresh_quorum(room, actor=None)
        commit_room_change(
            room,
            actor=None,
            kind=RoomEvent.MEDIA_PRESENCE_CHANGED,
            payload={"changes": changes},
            patch={
                "participants": participants(meeting=meeting),
                "quorum": quorum,
            },
        )


def on_media_server_down(
    sender: Any, server: str, at: dt.datetime, error: str, **kwargs: Any
) -> None:
    for media_room in media.live_rooms_on(server_name=server):
        meeting = Meeting.objects.filter(pk=media_room.meeting_id).first()
        if meeting is None or meeting.status not in ROOM_OPEN:
            continue
        with transaction.atomic():
            room = lock_room(meeting)
            create_incident(
                room.meeting,
                kind=IncidentKind.OTHER,
                reported_by=None,
                subject=None,
                description=f"{MEDIA_SERVER_DOWN}: {server}: {error}"[:2000],
            )
            if media_room.record:
                append_room_evidence(
                    room,
                    RoomEvent.MEDIA_RECORDING_STOPPED,
                    {
                        "reason": REASON_SERVER_DOWN,
                        "item": str(room.current_item_id)
                        if room.current_item_id
                        else None,
                        "at": iso(at),
                        "room": media_room.janus_room_id,
                    },
                )
            commit_room_change(
                room,
                actor=None,
                kind=RoomEvent.MEDIA_SERVER_DOWN,
                payload={"server": server, "at": iso(at), "error": error[:500]},
                patch={
                    "media": {"state": "down"},
                    "recording": recording_dict(meeting=room.meeting),
                },
            )
    touched = presence.stop_all_audio(server=server, at=at, reason=REASON_SERVER_DOWN)
    for meeting_id in touched:
        with transaction.atomic():
            room = lock_room(Meeting.objects.get(pk=meeting_id))
            quorum = refresh_quorum(room, actor=None)
            commit_room_change(
                room,
                actor=None,
                kind=RoomEvent.MEDIA_PRESENCE_CHANGED,
                payload={"changes": [], "reason": REASON_SERVER_DOWN},
                patch={
                    "participants": participants(meeting=room.meeting),
                    "quorum": quorum,
                },
            )


def on_media_server_up(
    sender: Any,
    server: str,
    down_since: dt.datetime | None,
    at: dt.datetime,
    **kwargs: Any,
) -> None:
    """Re-create every open meeting's room with its recording; record the gap."""
    for media_room in media.live_rooms_on(server_name=server):
        meeting = Meeting.objects.filter(pk=media_room.meeting_id).first()
        if meeting is None or meeting.status not in ROOM_OPEN:
            continue
        was_recording = media_room.record
        record = should_record(meeting)
        try:
            restored = media.open_media_room(meeting_id=str(meeting.pk), record=record)
        except MediaError as exc:
            media_failed(meeting.pk, "re-create room", exc)
            continue
        now = timezone.now()
        with transaction.atomic():
            room = lock_room(meeting)
            if was_recording:
                append_room_evidence(
                    room,
                    RoomEvent.MEDIA_RECORDING_GAP,
                    {
                        "reason": REASON_SERVER_DOWN,
                        "item": str(room.current_item_id)
                        if room.current_item_id
                        else None,
                        "started_at": iso(down_since) if down_since else None,
                        "ended_at": iso(now),
                        "server": server,
                        "room": restored.janus_room_id,
                    },
                )
            payload = {
                "server": server,
                "room": restored.janus_room_id,
                "record": restored.record,
                "down_since": iso(down_since) if down_since else None,
                "at": iso(now),
            }
            # Clients reconnect on this event (fetch a new join answer).
            commit_room_change(
                room,
                actor=None,
                kind=RoomEvent.MEDIA_ROOM_RESTORED,
                payload=payload,
                patch={
                    "media": {"state": "up", **payload},
                    "recording": recording_dict(meeting=room.meeting),
                },
            )


def on_media_recording_problem(
    sender: Any, server: str, meeting_id: Any, problem: Any, **kwargs: Any
) -> None:
    """A publisher that should be recorded is not (protected folder, full disk): the
    chair must know at once, since the law requires the recording (R31)."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or meeting.status not in ROOM_OPEN:
        return
    who = f" participant {problem.participant}" if problem.participant else ""
    with transaction.atomic():
        room = lock_room(meeting)
        create_incident(
            room.meeting,
            kind=IncidentKind.OTHER,
            reported_by=None,
            subject=None,
            description=(
                f"{MEDIA_NOT_RECORDING}: {problem.kind}: room {problem.room}{who}"
            ),
        )
