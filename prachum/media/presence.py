"""Media presence: when each person's audio reached the media server (R16, R22).

Plain writes on this package's own table, keyed by ids; the attendance context decides
who may be tracked (a member of the meeting) and what a change means for quorum and
incidents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from prachum.media.models import MediaAudioInterval, MediaTrafficRecord, TrafficKind


def is_publisher_handle(*, server: str, handle_id: int | None) -> bool:
    """The handle joined a room as a publisher (a subscriber handle sends no audio)."""
    if handle_id is None:
        return False
    return MediaTrafficRecord.objects.filter(
        server=server, handle_id=handle_id, kind=TrafficKind.JOINED
    ).exists()


def start_audio(
    *,
    meeting_id: Any,
    user_id: Any,
    server: str,
    handle_id: int | None,
    connection_key: str = "",
    at: dt.datetime,
) -> bool:
    """Open an interval for this handle; False when one is open already."""
    if MediaAudioInterval.objects.filter(
        meeting_id=meeting_id,
        user_id=user_id,
        server=server,
        handle_id=handle_id,
        ended_at__isnull=True,
    ).exists():
        return False
    try:
        with transaction.atomic():
            MediaAudioInterval.objects.create(
                meeting_id=meeting_id,
                user_id=user_id,
                server=server,
                handle_id=handle_id,
                connection_key=connection_key[:64],
                started_at=at,
            )
    except IntegrityError:
        return False  # a concurrent dispatcher opened it
    return True


def stop_audio(
    *,
    meeting_id: Any,
    user_id: Any,
    at: dt.datetime,
    reason: str,
    server: str | None = None,
    handle_id: int | None = None,
) -> int:
    """Close the open intervals of a person (one handle's, or all); how many closed."""
    open_ = MediaAudioInterval.objects.filter(
        meeting_id=meeting_id, user_id=user_id, ended_at__isnull=True
    )
    if server is not None:
        open_ = open_.filter(server=server, handle_id=handle_id)
    return open_.update(ended_at=at, end_reason=reason[:40])


def stop_all_audio(*, server: str, at: dt.datetime, reason: str) -> list[Any]:
    """Close every open interval on ``server`` (it died); the meetings touched."""
    open_ = MediaAudioInterval.objects.filter(server=server, ended_at__isnull=True)
    meetings = sorted(set(open_.values_list("meeting_id", flat=True)), key=str)
    open_.update(ended_at=at, end_reason=reason[:40])
    return meetings


def audio_up_users(*, meeting_id: Any) -> set[str]:
    """Ids (text) of the people whose audio is up in the meeting now."""
    return {
        str(user_id)
        for user_id in MediaAudioInterval.objects.filter(
            meeting_id=meeting_id, ended_at__isnull=True
        ).values_list("user_id", flat=True)
    }


def has_audio(*, meeting_id: Any, user_id: Any) -> bool:
    return MediaAudioInterval.objects.filter(
        meeting_id=meeting_id, user_id=user_id, ended_at__isnull=True
    ).exists()


def audio_intervals(*, meeting_id: Any) -> list[dict[str, Any]]:
    """Every interval of the meeting, for the record and the post-processing."""
    return [
        {
            "user": str(i.user_id),
            "server": i.server,
            "handle": i.handle_id,
            "started_at": i.started_at.isoformat(),
            "ended_at": i.ended_at.isoformat() if i.ended_at else None,
            "end_reason": i.end_reason,
        }
        for i in MediaAudioInterval.objects.filter(meeting_id=meeting_id)
    ]
