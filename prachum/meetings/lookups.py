"""Finding a meeting, an agenda item or a member for someone: one way for every interface.

HTML views, the REST API and the room socket look up what a request refers to here,
always inside the meeting it belongs to. A meeting the person may not see is
indistinguishable from one that does not exist (404), as on the detail page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404

from prachum.committees.selectors import list_members
from prachum.core.actors import Actor
from prachum.meetings.models import AgendaItem, Meeting
from prachum.meetings.policies import can_view_meeting

MeetingPolicy = Callable[..., bool]


def get_meeting_for(
    actor: Actor,
    meeting_id: Any,
    *,
    may: MeetingPolicy | None = can_view_meeting,
    related: tuple[str, ...] = ("committee__agency",),
) -> Meeting:
    """The meeting ``meeting_id`` if ``may(user=actor, meeting=...)``; else :class:`Http404`.

    ``may=None`` skips the check (the caller checks something finer itself).
    """
    try:
        meeting = Meeting.objects.select_related(*related).get(pk=meeting_id)
    except (Meeting.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if may is not None and not may(user=actor, meeting=meeting):
        raise Http404
    return meeting


def find_meeting(*, meeting_id: UUID) -> Meeting | None:
    """The meeting, or ``None`` (the socket closes with its own code; no policy here)."""
    return Meeting.objects.select_related("committee").filter(pk=meeting_id).first()


def agenda_item_of(*, meeting: Meeting, item_id: Any) -> AgendaItem | None:
    """An agenda item of this meeting, or ``None``."""
    return meeting.agenda_items.filter(pk=item_id).first()


def committee_user(*, meeting: Meeting, user_id: Any) -> Any | None:
    """A person on the roster of the meeting's committee (any role), or ``None``."""
    membership = (
        list_members(committee=meeting.committee)
        .filter(user_id=user_id)
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None
