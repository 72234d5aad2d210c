"""Presence in the meeting room for vote tests: the secretary signs the person in at the
room (an identity check and a presence on the room's channel, ADR 0016)."""

from __future__ import annotations

from typing import Any

from prachum.attendance.models import Connection
from prachum.meetings.models import Meeting
from prachum.room import participants


def seat(user: Any, meeting: Meeting, *, by: Any) -> Connection:
    """``user`` signed in at the room by ``by``: present in the room from now."""
    participants.sign_in_at_room(actor=by, meeting=meeting, user=user)
    return Connection.objects.get(
        meeting=meeting, user=user, channel_name="room", disconnected_at__isnull=True
    )
