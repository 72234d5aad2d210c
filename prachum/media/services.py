"""The room registry: which media server holds which meeting's room.

Called by the meetings/attendance services after their transaction commits; these
functions take ids (this package imports no app) and keep ``MediaRoom`` in step with
the media server. Evidence events are written by the calling service.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prachum.media.loader import get_media_server
from prachum.media.models import MediaRoom
from prachum.media.protocol import MediaError, MediaErrorCode, MediaServer

DEFAULT_PUBLISHERS = 50


def recordings_dir_for(meeting_id: str) -> Path:
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


def live_media_room(*, meeting_id: str) -> MediaRoom | None:
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
