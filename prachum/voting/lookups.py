"""Finding a poll inside the meeting a request is about (HTML, REST and the socket)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prachum.meetings.models import Meeting
from prachum.voting.models import Poll
from prachum.voting.selectors import get_poll


def poll_of(meeting: Meeting, poll_id: Any) -> Poll | None:
    """A poll of ``meeting``, or ``None`` (also for an id that is not a UUID)."""
    try:
        poll_uuid = UUID(str(poll_id))
    except ValueError:
        return None
    poll = get_poll(poll_id=poll_uuid)
    if poll is None or poll.meeting_id != meeting.pk:
        return None
    return poll
