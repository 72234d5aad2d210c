"""Finding what a socket message refers to, always inside the socket's meeting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prachum.attendance.models import Incident
from prachum.attendance.selectors import list_incidents
from prachum.committees.selectors import list_members
from prachum.meetings.models import AgendaItem, Meeting


def get_meeting(*, meeting_id: UUID) -> Meeting | None:
    return Meeting.objects.select_related("committee").filter(pk=meeting_id).first()


def agenda_item_of(*, meeting: Meeting, item_id: UUID) -> AgendaItem | None:
    return meeting.agenda_items.filter(pk=item_id).first()


def committee_user(*, meeting: Meeting, user_id: UUID) -> Any | None:
    """A person on the roster of the meeting's committee (any role)."""
    membership = (
        list_members(committee=meeting.committee)
        .filter(user_id=user_id)
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def incident_of(*, meeting: Meeting, incident_id: UUID) -> Incident | None:
    return list_incidents(meeting=meeting).filter(pk=incident_id).first()
