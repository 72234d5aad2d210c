"""The one core every room change goes through: lock, bump the version, record, publish.

Each change bumps the room's ``version`` and publishes, after commit, an event that
carries the version it produces and a ``patch`` of the snapshot sections it changed
(ARCHITECTURE §4.4). A client that sees a gap refetches the snapshot.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from prachum.attendance import policies
from prachum.attendance.models import RoomState
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError
from prachum.core.events import EventKind, publish_on_commit
from prachum.core.text import clean_text
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room import roster_cache

# What people type in the live room (reasons, notes, incidents): plain text, shown
# escaped; ``<`` and ``>`` stay allowed as they always were here.
MAX_TEXT = 2000

ROOM_OPEN = frozenset({MeetingStatus.OPEN, MeetingStatus.SUSPENDED})


def room_group(meeting_id: Any) -> str:
    """Everyone in the room: versioned state events."""
    return f"meeting.{meeting_id}"


def console_group(meeting_id: Any) -> str:
    """The chair and the secretariat: incidents, live."""
    return f"meeting.{meeting_id}.console"


def user_group(meeting_id: Any, user_id: Any) -> str:
    """One person's connections to one meeting (to close them on removal)."""
    return f"meeting.{meeting_id}.user.{user_id}"


def lock_room(meeting: Meeting) -> RoomState:
    """Lock the room row (created on first use); every room change takes this lock first."""
    RoomState.objects.get_or_create(meeting=meeting)
    return (
        RoomState.objects.select_for_update()
        .select_related("meeting__committee")
        .get(meeting=meeting)
    )


def commit_room_change(
    room: RoomState,
    *,
    actor: Actor | None,
    kind: EventKind,
    payload: dict[str, Any],
    patch: dict[str, Any] | None = None,
) -> int:
    """Bump the version, record the evidence event, publish after commit."""
    room.version += 1
    room.save()
    meeting = room.meeting
    append_event(
        chain_key=meeting.chain_key,
        kind=kind,
        actor=actor,
        payload={**payload, "room_version": room.version},
    )
    publish_on_commit(
        room_group(meeting.pk),
        {"type": kind, "version": room.version, "patch": patch or {}},
    )
    version, item_id = room.version, room.current_item_id
    transaction.on_commit(
        lambda: roster_cache.advance_cached_roster(
            meeting_id=meeting.pk,
            version=version,
            current_item_id=item_id,
            patch=patch or {},
        )
    )
    return room.version


def append_room_evidence(
    room: RoomState,
    kind: EventKind,
    payload: dict[str, Any],
    *,
    actor: Actor | None = None,
) -> None:
    """Evidence only: no room version, no client patch (what happened, for the record;
    the room's state as clients see it did not change)."""
    append_event(
        chain_key=room.meeting.chain_key, kind=kind, actor=actor, payload=payload
    )


def require_chair(actor: Actor, meeting: Meeting) -> None:
    if not policies.can_chair(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.CHAIR_ONLY, _("Only the chair or the secretary may do this.")
        )


def room_text(value: str, *, field: str, required: bool = True) -> str:
    """A reason, note or incident text typed in the live room."""
    return clean_text(
        value,
        field=field,
        required=required,
        max_length=MAX_TEXT,
        allow_markup_chars=True,
    )
