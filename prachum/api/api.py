"""The REST API (OpenAPI at /api/docs). Endpoints are thin: selectors to read, services to write."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema, Status
from ninja.security import django_auth

from prachum.api import errors as api_errors
from prachum.committees.selectors import list_committees_for
from prachum.core.actors import actor_of
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.meetings import life, selectors, services
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import AgendaItem, Meeting
from prachum.meetings.policies import can_prepare_meeting
from prachum.minutes.selectors import minutes_state, with_minutes_state
from prachum.notices import services as notice_services
from prachum.notices.models import Signatory

# The docs and the schema are for logged-in people only (issue 15, F9); the pages
# load Swagger UI from ninja's own static files ("ninja" is an installed app), never
# from a CDN, so they work on a closed network.
api = NinjaAPI(
    title="Prachum API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_decorator=login_required,
)
api_errors.register(api)


class ErrorOut(Schema):
    code: str
    message: str


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    status = 403 if isinstance(exc, PermissionDeniedError) else 400
    return api.create_response(
        request, {"code": exc.code, "message": str(exc.message)}, status=status
    )


class CommitteeOut(Schema):
    id: UUID
    name: str
    legal_basis: str
    category: str


class AgendaItemOut(Schema):
    id: UUID
    number: str
    title: str
    description: str
    is_secret: bool


class MeetingOut(Schema):
    id: UUID
    committee_id: UUID
    title: str
    #: ครั้งที่ n; null until the first notice is sent
    number: int | None
    buddhist_year: int
    starts_at: datetime
    ends_at: datetime
    #: when it was held: opened at, else the noticed start
    held_at: datetime
    adjourned_from_id: UUID | None = None
    mode: str
    venue: str
    status: str
    is_secret: bool
    #: ``minutes_pending`` (closed, no approved minutes yet), ``minutes_approved``, or null
    minutes_status: str | None = None

    @staticmethod
    def resolve_minutes_status(obj: Meeting | dict[str, object]) -> str | None:
        if isinstance(obj, dict):  # already serialised (meeting_detail)
            value = obj.get("minutes_status")
            return str(value) if value is not None else None
        return minutes_state(meeting=obj)


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaItemOut]


class AgendaItemIn(Schema):
    title: str
    description: str = ""
    parent_id: UUID | None = None
    is_secret: bool = False


class NoticeOut(Schema):
    id: UUID
    letter_number: str
    letter_sha256: str
    recipients: int
    signatory: str


def _meeting(request: HttpRequest, meeting_id: UUID) -> Meeting:
    return get_meeting_for(actor_of(request), meeting_id, related=())


@api.get("/committees", response=list[CommitteeOut], tags=["committees"])
def committees(request: HttpRequest) -> object:
    return list_committees_for(user=request.user)


@api.get("/meetings", response=list[MeetingOut], tags=["meetings"])
def meetings(request: HttpRequest) -> object:
    return with_minutes_state(selectors.list_meetings_for(user=request.user))


@api.get("/meetings/{meeting_id}", response=MeetingDetailOut, tags=["meetings"])
def meeting_detail(request: HttpRequest, meeting_id: UUID) -> object:
    meeting = _meeting(request, meeting_id)
    data = MeetingOut.from_orm(meeting).dict()
    data["agenda"] = [
        {
            "id": row.item.pk,
            "number": row.number,
            "title": row.item.title,
            "description": row.item.description,
            "is_secret": row.item.is_secret,
        }
        for row in selectors.numbered_agenda(meeting=meeting)
    ]
    return data


@api.delete(
    "/meetings/{meeting_id}",
    response={204: None, 400: ErrorOut, 403: ErrorOut},
    tags=["meetings"],
)
def delete_draft(request: HttpRequest, meeting_id: UUID, reason: str = "") -> object:
    """Delete a draft that was never noticed (it takes no number); the secretariat's."""
    meeting = get_meeting_for(
        actor_of(request), meeting_id, may=can_prepare_meeting, related=()
    )
    life.delete_draft(actor=actor_of(request), meeting=meeting, reason=reason)
    return Status(204, None)


@api.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaItemOut, 400: ErrorOut, 403: ErrorOut},
    tags=["meetings"],
)
def add_agenda_item(
    request: HttpRequest, meeting_id: UUID, body: AgendaItemIn
) -> object:
    meeting = _meeting(request, meeting_id)
    parent = (
        get_object_or_404(AgendaItem, pk=body.parent_id, meeting=meeting)
        if body.parent_id
        else None
    )
    item = services.add_agenda_item(
        actor=actor_of(request),
        meeting=meeting,
        title=body.title,
        description=body.description,
        parent=parent,
        is_secret=body.is_secret,
    )
    number = next(
        r.number
        for r in selectors.numbered_agenda(meeting=meeting)
        if r.item.pk == item.pk
    )
    return Status(
        201,
        {
            "id": item.pk,
            "number": number,
            "title": item.title,
            "description": item.description,
            "is_secret": item.is_secret,
        },
    )


@api.post(
    "/meetings/{meeting_id}/notice",
    response={201: NoticeOut, 400: ErrorOut, 403: ErrorOut},
    tags=["notices"],
)
def send_notice(
    request: HttpRequest,
    meeting_id: UUID,
    signatory: Signatory = Signatory.SECRETARY_FOR_CHAIR,
) -> object:
    """Send the notice; ``?signatory=chair|secretary_for_chair|agency_head`` (R63)."""
    meeting = _meeting(request, meeting_id)
    notice = notice_services.send_notice(
        actor=actor_of(request), meeting=meeting, signatory=signatory
    )
    return Status(
        201,
        {
            "id": notice.pk,
            "letter_number": notice.letter_number,
            "letter_sha256": notice.letter_sha256,
            "recipients": notice.messages.count(),
            "signatory": notice.signatory,
        },
    )


api.add_router("/meetings", "prachum.api.room.router")  # the live room
api.add_router("/meetings", "prachum.api.life.router")  # postpone, cancel, delete
api.add_router("/meetings", "prachum.api.absences.router")  # leave (ลาประชุม)
api.add_router("/committees", "prachum.api.rates.router")  # allowance rates (R57)
api.add_router("/agencies", "prachum.api.agencies.router")  # operators' agencies
api.add_router("", "prachum.api.voting.router")  # polls, ballots, resolutions, dissents
api.add_router("", "prachum.api.challenges.router")  # challenges, redo flags (APA s.17)
api.add_router("/transparency", "prachum.api.transparency.router")  # seals (public)
