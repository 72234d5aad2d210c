"""The meeting's media: the Janus room follows the meeting, and media feeds attendance.

- **Room lifecycle** (called by :mod:`prachum.attendance.services`): opening ensures the
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
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance import policies, selectors
from prachum.attendance.models import IncidentKind, RoomState
from prachum.committees.models import Membership, Role
from prachum.core.errors import ServiceError
from prachum.core.events import publish_on_commit
from prachum.evidence.selectors import list_events
from prachum.evidence.services import append_event
from prachum.media import presence
from prachum.media import services as media
from prachum.media.janus_events import MediaSignal, SignalKind
from prachum.media.loader import get_media_server
from prachum.media.protocol import MediaError
from prachum.media.tokens import check_nonce, make_opaque_id, signed_nonce
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus

logger = logging.getLogger(__name__)

ROOM_OPEN = {MeetingStatus.OPEN, MeetingStatus.SUSPENDED}

# Incident descriptions start with a stable code (the incident kind is ``other`` or
# ``connection_lost``; the code says which media failure it was).
MEDIA_SERVER_DOWN = "MEDIA_SERVER_DOWN"
MEDIA_ROOM_FAILED = "MEDIA_ROOM_FAILED"
MEDIA_LOST = "MEDIA_LOST"
MEDIA_NOT_RECORDING = "MEDIA_NOT_RECORDING"

REASON_SECRET = "secret_session"
REASON_SERVER_DOWN = "media_server_down"


def _services() -> Any:
    # services.py imports this module: import it lazily.
    from prachum.attendance import services

    return services


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


def should_record(meeting: Meeting, item: Any = None) -> bool:
    """Record every participant except during a secret session (R31, R32)."""
    if item is None:
        item = selectors.current_item(meeting=meeting)
    return not selectors.needs_two_factors(meeting=meeting, item=item)


def _after_commit(fn: Callable[[], None]) -> None:
    """Run ``fn`` after commit; a failure is logged, never raised into the caller."""

    def run() -> None:
        try:
            fn()
        except Exception:  # media must never break the meeting
            logger.exception("media hook failed")

    transaction.on_commit(run)


def _record(
    meeting_id: Any,
    kind: str,
    payload: dict[str, Any],
    *,
    actor: Any = None,
    patch: dict[str, Any] | None = None,
    incident: tuple[str, str, Any] | None = None,
) -> None:
    """Append a media evidence event (and an incident) under the room lock."""
    services = _services()
    with transaction.atomic():
        meeting = Meeting.objects.get(pk=meeting_id)
        room = services.lock_room(meeting)
        if incident is not None:
            incident_kind, description, subject = incident
            services._create_incident(
                room.meeting,
                kind=incident_kind,
                reported_by=None,
                subject=subject,
                description=description,
            )
        if patch is None:
            _evidence(room, kind, payload, actor=actor)
        else:
            services.commit_room_change(
                room, actor=actor, kind=kind, payload=payload, patch=patch
            )


def _evidence(
    room: RoomState, kind: str, payload: dict[str, Any], *, actor: Any = None
) -> None:
    """Evidence only: no room version, no client patch (what media did, for the record;
    the room's state as clients see it did not change)."""
    append_event(
        chain_key=room.meeting.chain_key, kind=kind, actor=actor, payload=payload
    )


def _media_failed(meeting_id: Any, what: str, exc: Exception) -> None:
    """A Janus call failed after the meeting changed: an incident, nothing undone."""
    logger.error("media: %s failed for %s: %r", what, meeting_id, exc)
    services = _services()
    with transaction.atomic():
        meeting = Meeting.objects.get(pk=meeting_id)
        services.lock_room(meeting)
        services._create_incident(
            meeting,
            kind=IncidentKind.OTHER,
            reported_by=None,
            subject=None,
            description=f"{MEDIA_ROOM_FAILED}: {what}: {exc}",
        )


# --- room lifecycle (called from services.py) -----------------------------------------


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
        _media_failed(meeting_id, "open room", exc)
        return
    payload = {
        "server": media_room.server,
        "room": media_room.janus_room_id,
        "record": media_room.record,
    }
    _record(meeting_id, "media.room_opened", payload)
    if not media_room.record:  # opened on a secret session: the gap starts now
        item = selectors.current_item(meeting=meeting)
        _record(
            meeting_id,
            "media.recording_stopped",
            {
                "reason": REASON_SECRET,
                "item": str(item.pk) if item else None,
                "at": _iso(timezone.now()),
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
        _media_failed(meeting_id, "mute all" if mute else "unmute all", exc)
        return
    _record(
        meeting_id,
        "media.room_muted" if mute else "media.room_unmuted",
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
        .filter(kind="media.recording_stopped")
        .last()
    )
    return dict(event.payload) if event is not None else None


def _append_gap_end(
    room: RoomState, media_room: Any, *, reason: str, now: dt.datetime
) -> None:
    stop = _last_stop(room.meeting) or {}
    _evidence(
        room,
        "media.recording_gap",
        {
            "reason": stop.get("reason", reason),
            "item": stop.get("item"),
            "started_at": stop.get("at"),
            "ended_at": _iso(now),
            "server": media_room.server,
            "room": media_room.janus_room_id,
        },
    )


# --- secret sessions ------------------------------------------------------------------


def on_item_changed(meeting: Meeting) -> None:
    meeting_id = meeting.pk
    _after_commit(lambda: apply_item_media(meeting_id=meeting_id))


def apply_item_media(*, meeting_id: Any) -> None:
    """Recording on or off for the current item; kick whoever may not stay (R32, R43)."""
    meeting = Meeting.objects.select_related("committee").get(pk=meeting_id)
    media_room = media.live_media_room(meeting_id=meeting_id)
    if media_room is None or meeting.status not in ROOM_OPEN:
        return
    item = selectors.current_item(meeting=meeting)
    record = should_record(meeting, item)
    if record != media_room.record:
        try:
            media.set_media_recording(meeting_id=str(meeting_id), record=record)
        except MediaError as exc:
            _media_failed(
                meeting_id, "recording on" if record else "recording off", exc
            )
        else:
            _recording_switched(meeting, media_room, item, record)
    _kick_not_allowed(meeting)


def _recording_switched(
    meeting: Meeting, media_room: Any, item: Any, record: bool
) -> None:
    services = _services()
    now = timezone.now()
    with transaction.atomic():
        room = services.lock_room(meeting)
        if not record:
            _evidence(
                room,
                "media.recording_stopped",
                {
                    "reason": REASON_SECRET,
                    "item": str(item.pk) if item else None,
                    "at": _iso(now),
                    "room": media_room.janus_room_id,
                },
            )
            return
        _append_gap_end(room, media_room, reason=REASON_SECRET, now=now)
        _evidence(
            room,
            "media.recording_resumed",
            {
                "reason": REASON_SECRET,
                "item": str(item.pk) if item else None,
                "at": _iso(now),
                "room": media_room.janus_room_id,
            },
        )


def _users_in_room(meeting: Meeting) -> set[str]:
    server = get_media_server()
    media_room = media.live_media_room(meeting_id=meeting.pk)
    iter_handles = getattr(server, "iter_handles", None)
    if media_room is None or iter_handles is None:
        return set()
    from prachum.media.tokens import parse_opaque_id

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
    allowed = selectors.allowed_for_item(
        meeting=meeting, item=selectors.current_item(meeting=meeting)
    )
    for user_id in sorted(in_room - allowed):
        kick_from_media(
            meeting_id=meeting.pk, user_id=user_id, reason="not_allowed_for_item"
        )


def kick_from_media(*, meeting_id: Any, user_id: Any, reason: str) -> list[int]:
    try:
        kicked = media.kick_user(meeting_id=str(meeting_id), user_id=str(user_id))
    except MediaError as exc:
        _media_failed(meeting_id, "kick", exc)
        return []
    if kicked:
        _record(
            meeting_id,
            "media.participant_kicked",
            {"user": str(user_id), "participants": kicked, "reason": reason},
        )
    return kicked


def on_participant_removed(meeting: Meeting, user: Any) -> None:
    meeting_id, user_id = meeting.pk, user.pk

    def kick() -> None:
        kick_from_media(meeting_id=meeting_id, user_id=user_id, reason="removed")

    _after_commit(kick)


# --- chair controls (R18) ---------------------------------------------------------------


def _require_chair_and_room(actor: Any, meeting: Meeting) -> Any:
    if not policies.can_chair(user=actor, meeting=meeting):
        from prachum.core.errors import PermissionDeniedError

        raise PermissionDeniedError(
            "CHAIR_ONLY", _("Only the chair or the secretary may do this.")
        )
    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in ROOM_OPEN:
        raise ServiceError("NOT_OPEN", _("The meeting is not open."))
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None:
        raise ServiceError(
            "MEDIA_UNAVAILABLE", _("Audio and video are not available now.")
        )
    return media_room


def _chair_moderate(
    *,
    actor: Any,
    meeting: Meeting,
    user: Any,
    kind: str,
    mute_audio: bool,
    mute_video: bool,
    payload: dict[str, Any],
) -> list[int]:
    _require_chair_and_room(actor, meeting)
    try:
        done = media.moderate_user(
            meeting_id=str(meeting.pk),
            user_id=str(user.pk),
            mute_audio=mute_audio,
            mute_video=mute_video,
        )
    except MediaError as exc:
        raise ServiceError(
            "MEDIA_FAILED", _("The media server did not carry out the request.")
        ) from exc
    if not done:
        raise ServiceError(
            "NOT_IN_MEDIA", _("That person is not connected to audio or video.")
        )
    _record(
        meeting.pk,
        kind,
        {"user": str(user.pk), "participants": done, **payload},
        actor=actor,
    )
    return done


def mute_participant(*, actor: Any, meeting: Meeting, user: Any) -> list[int]:
    """The chair mutes a participant's microphone, server side (R18)."""
    return _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind="media.participant_muted",
        mute_audio=True,
        mute_video=False,
        payload={"audio": True, "video": False},
    )


def stop_video(*, actor: Any, meeting: Meeting, user: Any) -> list[int]:
    """The chair stops a participant's video, server side (R18)."""
    return _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind="media.participant_muted",
        mute_audio=False,
        mute_video=True,
        payload={"audio": False, "video": True},
    )


def request_unmute(*, actor: Any, meeting: Meeting, user: Any) -> list[int]:
    """Lift the server-side mute and ask the person to unmute (the choice is theirs)."""
    done = _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind="media.unmute_requested",
        mute_audio=False,
        mute_video=False,
        payload={},
    )
    publish_on_commit(
        selectors.user_group(meeting.pk, user.pk), {"type": "media.unmute_requested"}
    )
    return done


# --- the join answer for the browser --------------------------------------------------


_ROLES: dict[str, str] = {
    Role.CHAIR: "chair",
    Role.SECRETARY: "secretary",
    Role.ASSISTANT_SECRETARY: "secretary",
    Role.INVITEE: "invitee",
}


def _role(membership: Membership) -> str:
    return _ROLES.get(str(membership.role), "member")


def token_ttl_seconds(meeting: Meeting, *, now: dt.datetime) -> int:
    """Until the planned end plus a margin, within [MIN, MAX] (ADR 0011)."""
    planned = int((meeting.ends_at - now).total_seconds())
    wanted = planned + settings.MEDIA_TOKEN_MARGIN_SECONDS
    return max(
        settings.MEDIA_TOKEN_MIN_SECONDS, min(wanted, settings.MEDIA_TOKEN_MAX_SECONDS)
    )


def join_info(*, meeting: Meeting, user: Any) -> dict[str, Any]:
    """What the browser needs to join the meeting's Janus room.

    Only for a person who passed this meeting's identity check (and, an invitee,
    admitted for the current item), while the meeting is open or suspended. Raises
    ``PermissionDeniedError``/``ServiceError`` otherwise and ``MediaError`` when the
    media server cannot be reached.
    """
    from prachum.core.errors import PermissionDeniedError

    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in ROOM_OPEN:
        raise PermissionDeniedError(
            "ROOM_NOT_OPEN", _("The meeting is not open for audio and video.")
        )
    if not selectors.may_enter(meeting=meeting, user=user):
        raise PermissionDeniedError(
            "IDENTITY_CHECK_REQUIRED",
            _("Confirm your identity for this meeting first."),
        )
    membership = Membership.objects.select_related("user").get(
        committee=meeting.committee, user=user
    )
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None:
        # The room is made after the opening commits; make it now if that failed.
        media_room = media.open_media_room(
            meeting_id=str(meeting.pk), record=should_record(meeting)
        )
    server = get_media_server()
    now = timezone.now()
    ttl = token_ttl_seconds(meeting, now=now)
    token = server.join_token(user_id=str(user.pk), ttl_seconds=ttl)
    nonce = signed_nonce(
        key=settings.JANUS_TOKEN_SECRET,
        meeting_id=str(meeting.pk),
        user_id=str(user.pk),
    )
    return {
        "server": settings.JANUS_PUBLIC_URL,
        "room": media_room.janus_room_id,
        "pin": server.room_pin(room=media_room.janus_room_id),
        "token": token,
        "token_expires_at": int(now.timestamp()) + ttl,
        "display": user.display_name,
        "opaque_id": make_opaque_id(
            meeting_id=str(meeting.pk), user_id=str(user.pk), nonce=nonce
        ),
        "ice_servers": list(settings.MEDIA_ICE_SERVERS),
        "publish": {"audio": True, "video": meeting.mode != MeetingMode.IN_ROOM},
        "record": media_room.record,
        "role": _role(membership),
    }


# --- media presence (receivers of prachum.media.signals) ------------------------------

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
                    "at": _iso(signal.at),
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
    services = _services()
    with transaction.atomic():
        room = services.lock_room(meeting)
        meeting = room.meeting
        if meeting.status in ROOM_OPEN:
            for user, reason in dropped:
                services._create_incident(
                    meeting,
                    kind=IncidentKind.CONNECTION_LOST,
                    reported_by=None,
                    subject=user,
                    description=f"{MEDIA_LOST}: {user.display_name} ({reason})",
                )
        if not changes:
            return
        quorum = services._refresh_quorum(room, actor=None)
        services.commit_room_change(
            room,
            actor=None,
            kind="media.presence_changed",
            payload={"changes": changes},
            patch={
                "participants": selectors.participants(meeting=meeting),
                "quorum": quorum,
            },
        )


# --- the media server died / came back --------------------------------------------------


def on_media_server_down(
    sender: Any, server: str, at: dt.datetime, error: str, **kwargs: Any
) -> None:
    services = _services()
    for media_room in media.live_rooms_on(server_name=server):
        meeting = Meeting.objects.filter(pk=media_room.meeting_id).first()
        if meeting is None or meeting.status not in ROOM_OPEN:
            continue
        with transaction.atomic():
            room = services.lock_room(meeting)
            services._create_incident(
                room.meeting,
                kind=IncidentKind.OTHER,
                reported_by=None,
                subject=None,
                description=f"{MEDIA_SERVER_DOWN}: {server}: {error}"[:2000],
            )
            if media_room.record:
                _evidence(
                    room,
                    "media.recording_stopped",
                    {
                        "reason": REASON_SERVER_DOWN,
                        "item": str(room.current_item_id)
                        if room.current_item_id
                        else None,
                        "at": _iso(at),
                        "room": media_room.janus_room_id,
                    },
                )
            services.commit_room_change(
                room,
                actor=None,
                kind="media.server_down",
                payload={"server": server, "at": _iso(at), "error": error[:500]},
                patch={"media": {"state": "down"}},
            )
    touched = presence.stop_all_audio(server=server, at=at, reason=REASON_SERVER_DOWN)
    for meeting_id in touched:
        with transaction.atomic():
            room = services.lock_room(Meeting.objects.get(pk=meeting_id))
            quorum = services._refresh_quorum(room, actor=None)
            services.commit_room_change(
                room,
                actor=None,
                kind="media.presence_changed",
                payload={"changes": [], "reason": REASON_SERVER_DOWN},
                patch={
                    "participants": selectors.participants(meeting=room.meeting),
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
    services = _services()
    for media_room in media.live_rooms_on(server_name=server):
        meeting = Meeting.objects.filter(pk=media_room.meeting_id).first()
        if meeting is None or meeting.status not in ROOM_OPEN:
            continue
        was_recording = media_room.record
        record = should_record(meeting)
        try:
            restored = media.open_media_room(meeting_id=str(meeting.pk), record=record)
        except MediaError as exc:
            _media_failed(meeting.pk, "re-create room", exc)
            continue
        now = timezone.now()
        with transaction.atomic():
            room = services.lock_room(meeting)
            if was_recording:
                _evidence(
                    room,
                    "media.recording_gap",
                    {
                        "reason": REASON_SERVER_DOWN,
                        "item": str(room.current_item_id)
                        if room.current_item_id
                        else None,
                        "started_at": _iso(down_since) if down_since else None,
                        "ended_at": _iso(now),
                        "server": server,
                        "room": restored.janus_room_id,
                    },
                )
            payload = {
                "server": server,
                "room": restored.janus_room_id,
                "record": restored.record,
                "down_since": _iso(down_since) if down_since else None,
                "at": _iso(now),
            }
            # Clients reconnect on this event (fetch a new join answer).
            services.commit_room_change(
                room,
                actor=None,
                kind="media.room_restored",
                payload=payload,
                patch={"media": {"state": "up", **payload}},
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
    services = _services()
    with transaction.atomic():
        room = services.lock_room(meeting)
        services._create_incident(
            room.meeting,
            kind=IncidentKind.OTHER,
            reported_by=None,
            subject=None,
            description=(
                f"{MEDIA_NOT_RECORDING}: {problem.kind}: room {problem.room}{who}"
            ),
        )
