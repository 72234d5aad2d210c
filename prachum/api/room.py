"""The live meeting room over REST: the snapshot, quorum, attendance and incidents.

The same selectors and services as the room page and its socket, so the same refusals
and the same evidence. Mounted under ``/api/meetings`` by ``prachum.api.api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from prachum.api.error_codes import ApiError
from prachum.attendance import policies as room_policies
from prachum.attendance.selectors import attendance_intervals, current_check
from prachum.core.actors import actor_of
from prachum.core.errors import CoreError, PermissionDeniedError
from prachum.core.web import client_ip
from prachum.media.protocol import MediaError
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting
from prachum.room import commands, media_controls, participants
from prachum.room.facts import current_item, may_enter
from prachum.room.incidents import incident_dict, list_incidents
from prachum.room.quorum import live_quorum, quorum_dict
from prachum.room.snapshot import room_snapshot as read_room_snapshot

router = Router(tags=["room"])


class ErrorOut(Schema):
    # The same shape (and OpenAPI component) as ``prachum.api.api.ErrorOut``; declared
    # here so that this module does not import the module that imports it.
    code: str
    message: str


class QuorumReasonOut(Schema):
    code: str
    clause: str
    detail: str


class QuorumOut(Schema):
    required: int
    counted: int
    eligible: int
    met: bool
    reasons: list[QuorumReasonOut]


class RoomMeetingOut(Schema):
    id: UUID
    title: str
    number: str
    status: str
    is_secret: bool
    fallback_channel: str


class RoomItemOut(Schema):
    id: UUID
    number: str
    title: str
    is_secret: bool


class ParticipantOut(Schema):
    id: UUID
    name: str
    role: str
    voting: bool
    identified: bool
    check_method: str | None
    connected: bool
    mode: str | None
    by_phone: bool = False  # SIP caller (issue 17)


class FloorOut(Schema):
    holder: UUID | None
    hands: list[UUID]


class MeOut(Schema):
    id: UUID
    console: bool


class IncidentOut(Schema):
    id: UUID
    kind: str
    description: str
    at: datetime
    reported_by: UUID | None
    subject: UUID | None
    handled_at: datetime | None
    handling: str


class RoomOut(Schema):
    """The room at ``version``; ``incidents`` only for the chair and secretariat."""

    version: int
    meeting: RoomMeetingOut
    agenda: list[RoomItemOut]
    current_item: RoomItemOut | None
    participants: list[ParticipantOut]
    quorum: QuorumOut
    floor: FloorOut
    me: MeOut
    server_time: datetime
    server_node: str
    incidents: list[IncidentOut] | None = None


class AttendanceOut(Schema):
    user: UUID
    connection: UUID
    mode: str
    identity_check: UUID
    auth_method: str
    joined_at: datetime
    left_at: datetime | None
    reason: str
    reconnect: bool


class IncidentIn(Schema):
    description: str


class IdentityCheckIn(Schema):
    location: str
    device_ok: bool
    in_kingdom: bool | None = None


class IdentityCheckOut(Schema):
    id: UUID
    method: str
    factor: str
    factors: int
    location: str
    room: str
    in_kingdom: bool | None
    device_ok: bool
    at: datetime


def _meeting(request: HttpRequest, meeting_id: UUID) -> Meeting:
    """The meeting, or 404 for anyone who is not one of its participants."""
    return get_meeting_for(actor_of(request), meeting_id, related=("committee",))


def _require_entered(request: HttpRequest, meeting: Meeting) -> None:
    """Passed the identity check for this meeting and, an invitee, admitted (R13)."""
    item = current_item(meeting=meeting)
    if current_check(meeting=meeting, user=request.user, item=item) is None:
        raise PermissionDeniedError(
            CoreError.IDENTITY_CHECK_REQUIRED,
            _("Confirm your identity for this meeting first."),
        )
    if not may_enter(meeting=meeting, user=request.user):
        raise PermissionDeniedError(
            CoreError.NOT_ADMITTED,
            _("The chair has not admitted you for the current agenda item."),
        )


def _require_console(request: HttpRequest, meeting: Meeting) -> None:
    """Traffic data and incidents are for the chair and the secretariat (R41)."""
    if not room_policies.can_run_console(user=request.user, meeting=meeting):
        raise PermissionDeniedError(
            ApiError.CONSOLE_ONLY, _("Only the chair or the secretary may see this.")
        )


@router.get(
    "/{meeting_id}/room",
    response={200: RoomOut, 403: ErrorOut},
    summary="The live room's snapshot",
)
def room_snapshot(request: HttpRequest, meeting_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    _require_entered(request, meeting)
    return read_room_snapshot(meeting=meeting, user=request.user)


@router.get("/{meeting_id}/quorum", response=QuorumOut, summary="The live quorum")
def quorum(request: HttpRequest, meeting_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    return quorum_dict(live_quorum(meeting=meeting))


@router.get(
    "/{meeting_id}/attendance",
    response={200: list[AttendanceOut], 403: ErrorOut},
    summary="Attendance intervals (traffic data)",
)
def attendance(request: HttpRequest, meeting_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    _require_console(request, meeting)
    return attendance_intervals(meeting=meeting)


@router.get(
    "/{meeting_id}/incidents",
    response={200: list[IncidentOut], 403: ErrorOut},
    summary="Incidents, reported and automatic",
)
def incidents(request: HttpRequest, meeting_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    _require_console(request, meeting)
    return [incident_dict(i) for i in list_incidents(meeting=meeting)]


@router.post(
    "/{meeting_id}/incidents",
    response={201: IncidentOut, 400: ErrorOut, 403: ErrorOut},
    summary="Report a problem",
)
def report_incident(request: HttpRequest, meeting_id: UUID, body: IncidentIn) -> Any:
    meeting = _meeting(request, meeting_id)
    _require_entered(request, meeting)
    incident = commands.execute(
        "incident.report",
        meeting=meeting,
        actor=actor_of(request),
        description=body.description,
    )
    return Status(201, incident_dict(incident))  # type: ignore[arg-type]


@router.post(
    "/{meeting_id}/identity-check",
    response={201: IdentityCheckOut, 400: ErrorOut, 403: ErrorOut},
    summary="Confirm your identity for this meeting",
)
def identity_check(
    request: HttpRequest, meeting_id: UUID, body: IdentityCheckIn
) -> Any:
    meeting = _meeting(request, meeting_id)
    check = participants.check_identity(
        meeting=meeting,
        user=request.user,
        location=body.location,
        device_ok=body.device_ok,
        in_kingdom=body.in_kingdom,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return Status(201, check)


# -- media: the join answer for a client of the Janus room (issue 5) ---------------


class MediaPublishOut(Schema):
    audio: bool
    video: bool


class MediaJoinOut(Schema):
    server: str
    room: int
    pin: str
    token: str
    token_expires_at: int
    display: str
    opaque_id: str
    ice_servers: list[dict[str, Any]]
    publish: MediaPublishOut
    record: bool
    role: str


@router.get(
    "/{meeting_id}/media/join",
    response={200: MediaJoinOut, 403: ErrorOut, 503: ErrorOut},
    summary="Join the meeting's audio/video room (after the identity check)",
)
def media_join(request: HttpRequest, meeting_id: UUID) -> Any:
    meeting = _meeting(request, meeting_id)
    try:
        return media_controls.join_info(meeting=meeting, user=request.user)
    except MediaError as exc:
        return Status(
            503,
            {"code": exc.code, "message": _("Audio and video are not available now.")},
        )
