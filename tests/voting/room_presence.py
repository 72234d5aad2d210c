"""Presence in the meeting room for vote tests: the rows a room sign-in writes (an
identity check by the secretary and a ``Connection`` with mode ``in_room`` on the
room's channel ``room``), written directly as the lead's sign-in service does."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from prachum.attendance.models import (
    CheckMethod,
    Connection,
    IdentityCheck,
    LocationKind,
)
from prachum.meetings.models import Meeting


def seat(user: Any, meeting: Meeting, *, by: Any) -> Connection:
    """``user`` signed in at the room by ``by``: present in the room from now."""
    now = timezone.now()
    check = IdentityCheck.objects.create(
        meeting=meeting,
        user=user,
        method=CheckMethod.ROOM_SIGN_IN,
        factors=1,
        location=LocationKind.IN_ROOM,
        room="ห้องประชุม 301",
        in_kingdom=True,
        device_ok=True,
        performed_by=by,
        at=now,
    )
    return Connection.objects.create(
        meeting=meeting,
        user=user,
        identity_check=check,
        channel_name="room",
        session_hash="0" * 64,
        auth_method="room_sign_in",
        server_node="test",
        mode=LocationKind.IN_ROOM,
        connected_at=now,
    )
