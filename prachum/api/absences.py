"""Leave of absence (ลาประชุม) over REST: list, record (for oneself, or by the chair or
secretary for a member), withdraw. The same service as the leave page, so the same
refusals and evidence. Mounted under ``/api/meetings`` by ``prachum.api.api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from prachum.attendance import absence as absences
from prachum.attendance import policies as room_policies
from prachum.attendance.models import Absence
from prachum.core.actors import actor_of
from prachum.meetings.lookups import committee_user, get_meeting_for
from prachum.meetings.models import Meeting

router = Router(tags=["absences"])


class ErrorOut(Schema):
    code: str
    message: str


class AbsenceIn(Schema):
    #: the member on leave; omitted: the caller themselves
    member_id: UUID | None = None
    reason: str


class AbsenceOut(Schema):
    id: UUID
    member_id: UUID
    reason: str
    recorded_by_id: UUID
    at: datetime
    withdrawn_at: datetime | None


def _meeting(request: HttpRequest, meeting_id: UUID) -> Meeting:
    return get_meeting_for(
        actor_of(request), meeting_id, may=room_policies.is_participant, related=()
    )


@router.get("/{meeting_id}/absences", response=list[AbsenceOut])
def list_absences(request: HttpRequest, meeting_id: UUID) -> Any:
    """Standing leave: all of it for the chair and secretariat, one's own otherwise."""
    actor = actor_of(request)
    meeting = _meeting(request, meeting_id)
    standing = absences.standing_absences(meeting=meeting)
    if not absences.can_record_absence(user=actor, meeting=meeting, member=None):
        standing = standing.filter(member=actor)
    return list(standing)


@router.post(
    "/{meeting_id}/absences",
    response={201: AbsenceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def record_absence(request: HttpRequest, meeting_id: UUID, body: AbsenceIn) -> Any:
    actor = actor_of(request)
    meeting = _meeting(request, meeting_id)
    member: Any = actor
    if body.member_id is not None and body.member_id != actor.pk:
        member = committee_user(meeting=meeting, user_id=body.member_id)
        if member is None:
            raise Http404
    absence = absences.record_absence(
        actor=actor, meeting=meeting, member=member, reason=body.reason
    )
    return Status(201, absence)


@router.post(
    "/{meeting_id}/absences/{absence_id}/withdraw",
    response={200: AbsenceOut, 400: ErrorOut, 403: ErrorOut},
)
def withdraw_absence(request: HttpRequest, meeting_id: UUID, absence_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    absence = Absence.objects.filter(meeting=meeting, pk=absence_id).first()
    if absence is None:
        raise Http404
    return absences.withdraw_absence(actor=actor_of(request), absence=absence)
