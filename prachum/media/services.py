"""The room registry: which media server holds which meeting's room.

Called by the meetings/attendance services after their transaction commits; these
functions take ids (this package imports no app) and keep ``MediaRoom`` in step with
the media server. Evidence events are written by the calling service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prachum.media.loader import get_media_server
from prachum.media.models import MediaRoom
from prachum.media.protocol import MediaError, MediaErrorCode, MediaServer
from prachum.media.tokens import parse_opaque_id

DEFAULT_PUBLISHERS = 50


def recordings_dir_for(meeting_id: str | UUID) -> Path:
    """One folder per meeting under ``JANUS_RECORDINGS_DIR``."""
    return Path(settings.JANUS_RECORDINGS_DIR) / str(meeting_id)


def open_media_room(
    *,
    meeting_id: str,
    record: bool,
    publishers: int = DEFAULT_PUBLISHERS,
    server: MediaServer | None = None,
) -> MediaRoom:
    """Ensure the meeting's room exists on the media server and in the registry."""
    server = server or get_media_server()
    rec_dir = recordings_dir_for(meeting_id)
    room = server.ensure_room(
        meeting_id=str(meeting_id),
        record=record,
        rec_dir=str(rec_dir),
        publishers=publishers,
    )
    with transaction.atomic():
        live = (
            MediaRoom.objects.select_for_update()
            .filter(meeting_id=meeting_id, destroyed_at__isnull=True)
            .first()
        )
        if live is not None and (live.server, live.janus_room_id) == (
            server.name,
            room,
        ):
            if live.record != record:
                live.record = record
                live.save(update_fields=["record"])
            return live
        if live is not None:
            live.destroyed_at = timezone.now()
            live.save(update_fields=["destroyed_at"])
        return MediaRoom.objects.create(
            meeting_id=meeting_id,
            server=server.name,
            janus_room_id=room,
            record=record,
            rec_dir=str(rec_dir),
        )


def live_media_room(*, meeting_id: str | UUID) -> MediaRoom | None:
    return MediaRoom.objects.filter(
        meeting_id=meeting_id, destroyed_at__isnull=True
    ).first()


def set_media_recording(
    *, meeting_id: str, record: bool, server: MediaServer | None = None
) -> MediaRoom:
    """Start or stop recording the meeting's room (e.g. for a secret session)."""
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        raise MediaError(MediaErrorCode.NO_SUCH_ROOM, f"no live room for {meeting_id}")
    server.set_recording(room=media_room.janus_room_id, record=record)
    MediaRoom.objects.filter(pk=media_room.pk).update(record=record)
    media_room.record = record
    return media_room


def close_media_room(*, meeting_id: str, server: MediaServer | None = None) -> None:
    """Destroy the meeting's room (already gone on the server is fine)."""
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        return
    try:
        server.destroy_room(room=media_room.janus_room_id)
    except MediaError as exc:
        if exc.code != MediaErrorCode.NO_SUCH_ROOM:
            raise
    MediaRoom.objects.filter(pk=media_room.pk).update(destroyed_at=timezone.now())


def participants_of_user(
    *, meeting_id: Any, user_id: Any, server: MediaServer | None = None
) -> list[int]:
    """The room's participant ids whose handle's opaque id names ``user_id``.

    Read from the server's live handles (Janus's admin API): the opaque id
    ``prachum:<meeting>:<user>:<nonce>`` is set by the client from the join answer.
    """
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        return []
    iter_handles = getattr(server, "iter_handles", None)
    if iter_handles is None:
        return []
    found = []
    for _session, _handle, info in iter_handles():
        specific = info.get("plugin_specific") or {}
        if specific.get("type") != "publisher":
            continue
        if specific.get("room") != media_room.janus_room_id:
            continue
        parsed = parse_opaque_id(info.get("opaque_id"))
        if parsed is None or parsed.meeting_id != str(meeting_id):
            continue
        if parsed.user_id == str(user_id) and specific.get("id") is not None:
            found.append(int(specific["id"]))
    return sorted(set(found))


def moderate_user(
    *,
    meeting_id: Any,
    user_id: Any,
    mute_audio: bool,
    mute_video: bool,
    server: MediaServer | None = None,
) -> list[int]:
    """Mute/unmute, server side, everything ``user_id`` publishes; the ids moderated."""
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        return []
    done = []
    for participant in participants_of_user(
        meeting_id=meeting_id, user_id=user_id, server=server
    ):
        try:
            server.moderate(
                room=media_room.janus_room_id,
                participant=participant,
                mute_audio=mute_audio,
                mute_video=mute_video,
            )
        except MediaError as exc:
            if exc.code == MediaErrorCode.NO_SUCH_ROOM:
                raise
            continue  # left meanwhile, or joined without publishing
        done.append(participant)
    return done


def moderate_room(
    *, meeting_id: Any, mute_audio: bool, server: MediaServer | None = None
) -> list[int]:
    """Mute/unmute every participant's audio (suspension); the ids moderated."""
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        return []
    done = []
    for who in server.list_participants(room=media_room.janus_room_id):
        if not who.publisher:
            continue
        try:
            server.moderate(
                room=media_room.janus_room_id,
                participant=who.id,
                mute_audio=mute_audio,
                mute_video=False,
            )
        except MediaError as exc:
            if exc.code == MediaErrorCode.NO_SUCH_ROOM:
                raise
            continue
        done.append(who.id)
    return done


def kick_user(
    *, meeting_id: Any, user_id: Any, server: MediaServer | None = None
) -> list[int]:
    """Kick every participant of ``user_id`` out of the room; the ids kicked."""
    server = server or get_media_server()
    media_room = live_media_room(meeting_id=meeting_id)
    if media_room is None:
        return []
    kicked = []
    for participant in participants_of_user(
        meeting_id=meeting_id, user_id=user_id, server=server
    ):
        try:
            server.kick(room=media_room.janus_room_id, participant=participant)
        except MediaError as exc:
            if exc.code == MediaErrorCode.NO_SUCH_ROOM:
                raise
            continue
        kicked.append(participant)
    return kicked


def live_rooms_on(*, server_name: str) -> list[MediaRoom]:
    """The live rooms a server holds (to re-create them after it restarts)."""
    return list(MediaRoom.objects.filter(server=server_name, destroyed_at__isnull=True))
