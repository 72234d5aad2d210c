"""The minutes' incidents: plain Thai sentences in the body, raw detail in an annex.

The facts of each stored incident (when it began, when the service came back, whether
a vote was open in between, how many people were connected) are read here from the
record; :mod:`prachum.domain.incidents` turns them into clauses, and each clause has one
template in the translation catalogue. The minutes are an official Thai document, so
the sentences are rendered in Thai whatever the reader's language. The error text,
server names and counts as stored go to the technical annex (รายละเอียดทางเทคนิค) and
the evidence package only (R42, R48).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prachum.attendance.models import Connection, Incident, IncidentKind
from prachum.domain.incidents import (
    LASTING,
    IncidentCode,
    IncidentFacts,
    Part,
    classify,
    sentence_parts,
)
from prachum.domain.thai_dates import format_thai_time, to_thai_digits
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.room.events import RoomEvent
from prachum.voting.models import Poll

# One template per clause code (prachum.domain.incidents.part_codes()).
TEMPLATES: dict[str, Any] = {
    "start.media_server_down": _("At %(start)s the audio and video system failed"),
    "start.media_room_failed": _(
        "At %(start)s the system could not prepare the audio and video meeting room"
    ),
    "start.media_not_recording": _(
        "At %(start)s the system could not record the audio and video"
        " of some participants"
    ),
    "start.connection_lost": _("At %(start)s %(subject)s lost the connection"),
    "start.quorum_lost": _("At %(start)s the quorum was lost"),
    "start.quorum_regained": _("At %(start)s the quorum was present again"),
    "start.clock_unsynced": _(
        "At %(start)s the server clock was not synchronised with the standard"
        " time source"
    ),
    "start.reported": _("At %(start)s %(subject)s reported a problem: “%(report)s”"),
    "start.recordings_not_processed": _(
        "At %(start)s the system could not process the meeting's recordings"
    ),
    "start.tsa_unreachable": _(
        "At %(start)s the Time-Stamping Authority could not be reached; the seal was"
        " made and its time-stamp was requested again"
    ),
    "start.other": _("At %(start)s a system failure occurred"),
    "quorum": _("(%(counted)s members present; at least %(required)s required)"),
    "affected": _("affecting %(count)s connected participants"),
    "end.media_server_down": _("the system was working again at %(end)s"),
    "open.media_server_down": _("the system was not working again by the close"),
    "end.connection_lost": _("and rejoined at %(end)s"),
    "open.connection_lost": _("and did not rejoin before the close"),
    "end.quorum_lost": _("the quorum was present again at %(end)s"),
    "open.quorum_lost": _("the quorum was not present again before the close"),
    "votes.none": _("No vote was open in the meantime."),
    "votes.open": _("A vote was open in the meantime: %(questions)s."),
    "handled": _("The chair recorded the handling at %(at)s: “%(handling)s”."),
}


def render_parts(parts: tuple[Part, ...], *, thai: bool = False) -> str:
    """The clauses as one Thai sentence; figures in Thai digits if the agency uses them."""

    def figures(params: dict[str, str | int]) -> dict[str, str | int]:
        return {
            k: to_thai_digits(str(v)) if thai and isinstance(v, int) else v
            for k, v in params.items()
        }

    with translation.override("th"):
        return " ".join(str(TEMPLATES[p.code]) % figures(p.params) for p in parts)


class _Reader:
    """The record around the meeting's incidents, read once."""

    def __init__(self, meeting: Meeting, *, thai: bool, closed_at: datetime | None):
        self.meeting = meeting
        self.thai = thai
        self.closed_at = closed_at
        self.restored = [
            e.at
            for e in list_events(chain_key=meeting.chain_key)
            .filter(kind=RoomEvent.MEDIA_ROOM_RESTORED)
            .order_by("seq")
        ]
        self.polls = list(
            Poll.objects.filter(meeting=meeting, opened_at__isnull=False).order_by(
                "opened_at"
            )
        )

    def time(self, at: datetime) -> str:
        return format_thai_time(at, thai_digits=self.thai)

    def polls_between(self, start: datetime, end: datetime | None) -> tuple[str, ...]:
        until = end or self.closed_at
        return tuple(
            p.question
            for p in self.polls
            if p.opened_at is not None
            and (until is None or p.opened_at <= until)
            and (p.closed_at is None or p.closed_at >= start)
        )

    def connected(self, at: datetime) -> int:
        return (
            Connection.objects.filter(
                meeting=self.meeting, connected_at__lte=at, mode="remote"
            )
            .filter(Q(disconnected_at__isnull=True) | Q(disconnected_at__gt=at))
            .values("user")
            .distinct()
            .count()
        )


def _end(
    reader: _Reader, code: IncidentCode, incident: Incident, later: list[Incident]
) -> tuple[datetime | None, Incident | None]:
    """When a lasting incident was over, and the incident that ended it (if any)."""
    if code == IncidentCode.MEDIA_SERVER_DOWN:
        return next((at for at in reader.restored if at > incident.at), None), None
    if code == IncidentCode.CONNECTION_LOST:
        if incident.subject_id is None:
            return None, None
        back = (
            Connection.objects.filter(
                meeting=reader.meeting,
                user_id=incident.subject_id,
                connected_at__gt=incident.at,
            )
            .order_by("connected_at")
            .first()
        )
        return (back.connected_at if back else None), None
    regained = next((i for i in later if i.kind == IncidentKind.QUORUM_REGAINED), None)
    return (regained.at if regained else None), regained


def _quorum_counts(description: str) -> tuple[int | None, int | None]:
    """ "counted/required" as the room writes it (prachum.room.quorum)."""
    counted, _sep, required = description.partition("/")
    if counted.isdigit() and required.isdigit():
        return int(counted), int(required)
    return None, None


def incident_facts(
    meeting: Meeting, *, thai: bool, closed_at: datetime | None
) -> list[IncidentFacts]:
    reader = _Reader(meeting, thai=thai, closed_at=closed_at)
    incidents = list(
        Incident.objects.filter(meeting=meeting)
        .select_related("subject", "reported_by")
        .order_by("at")
    )
    consumed: set[Any] = set()
    facts: list[IncidentFacts] = []
    for index, incident in enumerate(incidents):
        if incident.pk in consumed:
            continue
        code = classify(incident.kind, incident.description)
        end: datetime | None = None
        lasting = code in LASTING
        if lasting:
            end, ender = _end(reader, code, incident, incidents[index + 1 :])
            if ender is not None:
                consumed.add(ender.pk)
        counted, required = (None, None)
        if code in (IncidentCode.QUORUM_LOST, IncidentCode.QUORUM_REGAINED):
            counted, required = _quorum_counts(incident.description)
        subject = incident.subject or incident.reported_by
        facts.append(
            IncidentFacts(
                code=code,
                start=reader.time(incident.at),
                end=reader.time(end) if end else None,
                polls_open=reader.polls_between(incident.at, end) if lasting else (),
                affected=reader.connected(incident.at)
                if code == IncidentCode.MEDIA_SERVER_DOWN
                else 0,
                subject=subject.display_name if subject else "",
                report=incident.description if code == IncidentCode.REPORTED else "",
                handled=reader.time(incident.handled_at)
                if incident.handled_at
                else None,
                handling=incident.handling,
                counted=counted,
                required=required,
            )
        )
    return facts


def incident_sentences(
    meeting: Meeting, *, thai: bool, closed_at: datetime | None
) -> list[str]:
    """The incidents as plain Thai sentences, for the minutes' body."""
    return [
        render_parts(sentence_parts(f), thai=thai)
        for f in incident_facts(meeting, thai=thai, closed_at=closed_at)
    ]


def technical_lines(meeting: Meeting, *, thai: bool) -> list[str]:
    """Each incident as stored (description, handling), under its kind's Thai name: the
    technical annex. The description stays as the system wrote it (R42)."""
    with translation.override("th"):
        return [
            f"{format_thai_time(i.at, thai_digits=thai)} [{i.get_kind_display()}] "
            f"{i.description}" + (f" ({i.handling})" if i.handling else "")
            for i in Incident.objects.filter(meeting=meeting).order_by("at")
        ]
