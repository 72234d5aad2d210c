"""The failure channel (R17, R42): incidents raised by people and by the system.

Incidents are never deleted; their handling is recorded once. The chair and the
secretariat see each one at once (the console group).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance import policies
from prachum.attendance.models import Incident, IncidentKind
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.incident_text import incident_summary
from prachum.room.state import console_group, lock_room, require_chair, room_text


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": str(incident.id),
        "kind": incident.kind,
        "description": incident.description,
        # What the room shows: a sentence, not the record's codes and figures.
        "summary": incident_summary(
            kind=incident.kind,
            description=incident.description,
            subject_name=incident.subject.display_name if incident.subject else "",
        ),
        "at": incident.at.isoformat(),
        "reported_by": str(incident.reported_by_id)
        if incident.reported_by_id
        else None,
        "subject": str(incident.subject_id) if incident.subject_id else None,
        "handled_at": incident.handled_at.isoformat() if incident.handled_at else None,
        "handling": incident.handling,
    }


def list_incidents(*, meeting: Meeting) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(meeting=meeting)
        .select_related("subject")
        .order_by("at")
    )


def incident_of(*, meeting: Meeting, incident_id: Any) -> Incident | None:
    """An incident of this meeting, or ``None``."""
    return list_incidents(meeting=meeting).filter(pk=incident_id).first()


def create_incident(
    meeting: Meeting, *, kind: str, reported_by: Any, subject: Any, description: str
) -> Incident:
    incident = Incident.objects.create(
        meeting=meeting,
        kind=kind,
        reported_by=reported_by,
        subject=subject,
        description=description,
        at=timezone.now(),
    )
    append_event(
        chain_key=meeting.chain_key,
        kind=RoomEvent.INCIDENT_RECORDED,
        actor=reported_by,
        payload={
            "incident": str(incident.id),
            "kind": kind,
            "subject": str(subject.pk) if subject is not None else None,
            "description": description,
        },
    )
    publish_on_commit(
        console_group(meeting.pk),
        {"type": "incident", "incident": incident_dict(incident)},
    )
    return incident


def report_incident(*, actor: Actor, meeting: Meeting, description: str) -> Incident:
    """A participant reports a problem; the chair sees it at once."""
    description = room_text(description, field="description")
    if not policies.is_participant(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_PARTICIPANT, _("You are not a participant of this meeting.")
        )
    with transaction.atomic():
        room = lock_room(meeting)
        return create_incident(
            room.meeting,
            kind=IncidentKind.REPORTED,
            reported_by=actor,
            subject=actor,
            description=description,
        )


def handle_incident(*, actor: Actor, incident: Incident, handling: str) -> Incident:
    """Record how an incident was handled; once recorded it is not changed."""
    handling = room_text(handling, field="handling")
    with transaction.atomic():
        room = lock_room(incident.meeting)
        require_chair(actor, room.meeting)
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.handled_at is not None:
            raise ServiceError(
                RoomError.ALREADY_HANDLED,
                _("This incident already has its handling recorded."),
            )
        incident.handled_by = actor
        incident.handled_at = timezone.now()
        incident.handling = handling
        incident.save(update_fields=["handled_by", "handled_at", "handling"])
        append_event(
            chain_key=room.meeting.chain_key,
            kind=RoomEvent.INCIDENT_HANDLED,
            actor=actor,
            payload={"incident": str(incident.id), "handling": handling},
        )
        publish_on_commit(
            console_group(room.meeting_id),
            {"type": "incident", "incident": incident_dict(incident)},
        )
    return incident
