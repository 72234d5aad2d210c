"""A meeting's life over REST: postpone, cancel, follow up an adjourned meeting
(ADR 0015); deleting a draft is ``DELETE /meetings/{id}`` in ``prachum.api.api``. The same services as the meeting pages, so the same refusals and
evidence. Mounted under ``/api/meetings`` by ``prachum.api.api``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from prachum.core.actors import actor_of
from prachum.meetings import life
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting
from prachum.meetings.policies import can_prepare_meeting
from prachum.notices import changes
from prachum.notices.models import Notice, Signatory

router = Router(tags=["meetings"])


class ErrorOut(Schema):
    # The same shape as ``prachum.api.api.ErrorOut`` (see ``prachum.api.room``).
    code: str
    message: str


class LifeNoticeOut(Schema):
    id: UUID
    kind: str
    letter_number: str
    letter_sha256: str
    recipients: int
    supersedes_id: UUID | None
    signatory: str


class RescheduleIn(Schema):
    starts_at: datetime
    ends_at: datetime
    #: the meeting room; omitted: unchanged
    venue: str | None = None
    reason: str
    #: who signs the letter (R63)
    signatory: Signatory = Signatory.SECRETARY_FOR_CHAIR


class CancelIn(Schema):
    reason: str
    signatory: Signatory = Signatory.SECRETARY_FOR_CHAIR


class FollowUpIn(Schema):
    starts_at: datetime
    ends_at: datetime
    venue: str | None = None


class FollowUpOut(Schema):
    id: UUID
    adjourned_from_id: UUID
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime


def _notice_out(notice: Notice) -> dict[str, object]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "letter_number": notice.letter_number,
        "letter_sha256": notice.letter_sha256,
        "recipients": notice.messages.count(),
        "supersedes_id": notice.supersedes_id,
        "signatory": notice.signatory,
    }


def _managed(request: HttpRequest, meeting_id: UUID) -> Meeting:
    """The meeting if the requester is its secretariat (else 404, as on the page)."""
    return get_meeting_for(
        actor_of(request), meeting_id, may=can_prepare_meeting, related=()
    )


@router.post(
    "/{meeting_id}/reschedule",
    response={201: LifeNoticeOut, 400: ErrorOut, 403: ErrorOut},
)
def reschedule(request: HttpRequest, meeting_id: UUID, body: RescheduleIn) -> object:
    """Postpone or move a noticed meeting; a new notice goes to everyone (APA s.80)."""
    notice = changes.reschedule_meeting(
        actor=actor_of(request),
        meeting=_managed(request, meeting_id),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        venue=body.venue,
        reason=body.reason,
        signatory=body.signatory,
    )
    return Status(201, _notice_out(notice))


@router.post(
    "/{meeting_id}/cancel",
    response={201: LifeNoticeOut, 400: ErrorOut, 403: ErrorOut},
)
def cancel(request: HttpRequest, meeting_id: UUID, body: CancelIn) -> object:
    """Cancel a noticed meeting; the cancellation goes to everyone noticed."""
    notice = changes.cancel_meeting(
        actor=actor_of(request),
        meeting=_managed(request, meeting_id),
        reason=body.reason,
        signatory=body.signatory,
    )
    return Status(201, _notice_out(notice))


@router.post(
    "/{meeting_id}/follow-up",
    response={201: FollowUpOut, 400: ErrorOut, 403: ErrorOut},
)
def follow_up(request: HttpRequest, meeting_id: UUID, body: FollowUpIn) -> object:
    """A follow-up of a meeting adjourned for want of quorum (APA s.79 para 2)."""
    meeting = life.schedule_follow_up(
        actor=actor_of(request),
        adjourned=_managed(request, meeting_id),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        venue=body.venue,
    )
    return Status(201, meeting)
