"""Whether the meeting is being recorded now, as everyone in the room sees it (R31, R32).

Derived from what already decides it, no second record: the meeting's status, its live
media room (:class:`prachum.media.models.MediaRoom`), the media server's status and
whether the current item needs a secret session (``needs_two_factors``, the rule the
media hooks follow to stop and resume the recording: :func:`prachum.room.media.
should_record`). The snapshot carries it as ``recording``; the changes that move it send
it in their patch: opening, a new current item, the media server down or back, closing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from prachum.attendance.selectors import needs_two_factors
from prachum.media import services as media
from prachum.media.models import MediaServerStatus
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room.facts import current_item
from prachum.room.state import ROOM_OPEN

_CURRENT: Any = object()  # "the room's current item, read now"

NOT_STARTED = "not_started"  # the meeting is not open yet
ON = "on"
PAUSED_SECRET_ITEM = "paused_secret_item"  # R32: not recorded during a secret item
OFF_SECRET_MEETING = "off_secret_meeting"  # the whole session is secret
MEDIA_NOT_READY = "media_not_ready"  # open, but no media room (yet, or it failed)
MEDIA_DOWN = "media_down"  # the media server is down: nothing is recorded
ENDED = "ended"  # the meeting is closed (or cancelled)


def recording_dict(
    *, meeting: Meeting, item: Any = _CURRENT, media_room_opening: bool = False
) -> dict[str, Any]:
    """The ``recording`` section of the room's snapshot and patches.

    ``item``: the item the room is on (default: read the room's); a change of item
    passes the new one before it is saved. ``media_room_opening``: the meeting is being
    opened and its media room is created right after (``room.media.on_meeting_opened``).
    """
    return {
        "state": recording_state(
            meeting=meeting, item=item, media_room_opening=media_room_opening
        )
    }


def recording_state(
    *, meeting: Meeting, item: Any = _CURRENT, media_room_opening: bool = False
) -> str:
    status = Meeting.objects.values_list("status", flat=True).get(pk=meeting.pk)
    if status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        return ENDED
    if status not in ROOM_OPEN:
        return NOT_STARTED
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None and not media_room_opening:
        return MEDIA_NOT_READY
    if (
        media_room is not None
        and MediaServerStatus.objects.filter(
            server=media_room.server, down_since__isnull=False
        ).exists()
    ):
        return MEDIA_DOWN
    if item is _CURRENT:
        item = current_item(meeting=meeting)
    if not needs_two_factors(meeting=meeting, item=item):
        return ON
    return OFF_SECRET_MEETING if meeting.is_secret else PAUSED_SECRET_ITEM


def recording_labels() -> dict[str, str]:
    """The indicator's words, by state."""
    return {
        NOT_STARTED: _("Recording has not started"),
        ON: _("Recording"),
        PAUSED_SECRET_ITEM: _("Recording stopped: secret agenda item"),
        OFF_SECRET_MEETING: _("Not recorded: secret meeting"),
        MEDIA_NOT_READY: _("Not recording: the audio and video room is not ready"),
        MEDIA_DOWN: _("Recording stopped: the audio and video system is down"),
        ENDED: _("Recording ended: the meeting is closed"),
    }
