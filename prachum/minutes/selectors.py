"""Reading the record into the minutes' content, and reading minutes versions.

:func:`minutes_content` turns the meeting's record (room, votes, evidence chain) into
the eleven fields of the Saraban minutes form, in order (ข้อ 25; R49-R53). Every value
is display text, already formatted in Thai (BE dates, "น." times), so a version's
content is exactly what is printed and its hash covers exactly that.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prachum.archive.recordings import list_gaps
from prachum.attendance.absence import absence_reasons
from prachum.attendance.models import CheckMethod, Connection, IdentityCheck, Incident
from prachum.committees.models import Membership, Role
from prachum.domain.thai_dates import (
    format_thai_date,
    format_thai_time,
    meeting_number,
    to_thai_digits,
)
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus
from prachum.meetings.selectors import numbered_agenda
from prachum.minutes import wording
from prachum.minutes.events import MinutesEvent
from prachum.minutes.models import MinutesApproval, MinutesStatus, MinutesVersion
from prachum.room.events import RoomEvent
from prachum.room.incident_text import incident_summary
from prachum.room.incidents import list_incidents
from prachum.voting.models import (
    Dissent,
    OpenBallot,
    Poll,
    PollKind,
    PollStatus,
    Recusal,
    Resolution,
)

FORMAT = "prachum-minutes/1"
_ROLE_RANK: dict[str, int] = {
    Role.CHAIR: 0,
    Role.VICE_CHAIR: 1,
    Role.MEMBER: 2,
    Role.SECRETARY: 3,
    Role.MEMBER_SECRETARY: 3,
    Role.ASSISTANT_SECRETARY: 4,
    Role.MEMBER_ASSISTANT_SECRETARY: 4,
    Role.INVITEE: 5,
}


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The content as hashed: sorted keys, no spaces, UTF-8 (no escapes)."""
    return json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


# --- the meeting's minutes status (shown on meeting pages, lists and the API) -------

MINUTES_PENDING = "minutes_pending"
MINUTES_APPROVED = "minutes_approved"
MINUTES_STATE_LABELS = {
    MINUTES_PENDING: _("Minutes pending approval"),
    MINUTES_APPROVED: _("Minutes approved"),
}


def with_minutes_state(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Annotate ``minutes_approved`` so listing meetings costs one query."""
    approved = MinutesVersion.objects.filter(
        meeting=OuterRef("pk"), status=MinutesStatus.APPROVED
    )
    return queryset.annotate(minutes_approved=Exists(approved))


def minutes_state(*, meeting: Meeting) -> str | None:
    """A closed meeting's minutes are pending until a version is approved (R54)."""
    if meeting.status != MeetingStatus.CLOSED:
        return None
    approved = getattr(meeting, "minutes_approved", None)
    if approved is None:
        approved = MinutesVersion.objects.filter(
            meeting=meeting, status=MinutesStatus.APPROVED
        ).exists()
    return MINUTES_APPROVED if approved else MINUTES_PENDING


def minutes_state_label(*, meeting: Meeting) -> str:
    state = minutes_state(meeting=meeting)
    return str(MINUTES_STATE_LABELS[state]) if state else ""


# --- who presided (APA s.81; R58) ---------------------------------------------------

PRESIDING_DESIGNATED = MinutesEvent.MEETING_PRESIDING_DESIGNATED


def presiding_designation(*, meeting: Meeting) -> dict[str, Any] | None:
    """The last designation of who presided, as recorded in the chain (or None)."""
    event = (
        list_events(chain_key=meeting.chain_key)
        .filter(kind=PRESIDING_DESIGNATED)
        .order_by("-seq")
        .first()
    )
    return dict(event.payload) if event is not None else None


def presiding_user_id(*, meeting: Meeting) -> str | None:
    """Who presided: the designated member, else the chair if the chair attended."""
    designation = presiding_designation(meeting=meeting)
    if designation is not None:
        return str(designation["user"])
    chair = Membership.objects.filter(
        committee=meeting.committee, role=Role.CHAIR
    ).first()
    if chair is not None and attended(meeting=meeting, user_id=chair.user_id):
        return str(chair.user_id)
    return None


def presiding_candidates(*, meeting: Meeting) -> list[Membership]:
    """Voting members who attended: who may have presided."""
    return [
        m
        for m in _roster(meeting)
        if m.is_voting and attended(meeting=meeting, user_id=m.user_id)
    ]


def attended(*, meeting: Meeting, user_id: Any) -> bool:
    """Connected at some time, or signed in at the room by the secretary."""
    return (
        Connection.objects.filter(meeting=meeting, user_id=user_id).exists()
        or IdentityCheck.objects.filter(
            meeting=meeting, user_id=user_id, method=CheckMethod.ROOM_SIGN_IN
        ).exists()
    )


def latest_version(*, meeting: Meeting) -> MinutesVersion | None:
    return (
        MinutesVersion.objects.filter(meeting=meeting)
        .select_related("created_by", "approved_by")
        .order_by("-version")
        .first()
    )


def list_versions(*, meeting: Meeting) -> QuerySet[MinutesVersion]:
    return (
        MinutesVersion.objects.filter(meeting=meeting)
        .select_related("created_by", "approved_by")
        .order_by("-version")
    )


def list_approvals(*, version: MinutesVersion) -> QuerySet[MinutesApproval]:
    return (
        MinutesApproval.objects.filter(version=version)
        .select_related("approver", "at_meeting")
        .order_by("at")
    )


def _event_at(meeting: Meeting, kind: str, *, last: bool) -> datetime | None:
    events = list_events(chain_key=meeting.chain_key).filter(kind=kind)
    event = events.last() if last else events.first()
    return event.at if event is not None else None


def _place(meeting: Meeting) -> str:
    """The room (if any) and the electronic medium (R50)."""
    platform = meeting.committee.meeting_platform
    electronic = (
        f"{wording.ELECTRONIC} ({platform})" if platform else wording.ELECTRONIC
    )
    if meeting.mode == MeetingMode.IN_ROOM:
        return meeting.venue
    if meeting.mode == MeetingMode.HYBRID and meeting.venue:
        return f"{meeting.venue} {wording.AND}{electronic}"
    return electronic


def _join(values: list[str]) -> str:
    return f" {wording.AND}".join(values)


def _attendance(meeting: Meeting) -> dict[str, dict[str, list[str]]]:
    """Per user: how they attended (room / electronic) and how they were identified."""
    seen: dict[str, dict[str, list[str]]] = {}
    for check in IdentityCheck.objects.filter(meeting=meeting).order_by("at"):
        row = seen.setdefault(str(check.user_id), {"modes": [], "methods": []})
        mode = wording.IN_ROOM if check.location == "in_room" else wording.ELECTRONIC
        if mode not in row["modes"]:
            row["modes"].append(mode)
        method = wording.IDENTITY_METHODS.get(check.method, check.method)
        if method not in row["methods"]:
            row["methods"].append(method)
    for connection in Connection.objects.filter(meeting=meeting).order_by(
        "connected_at"
    ):
        row = seen.setdefault(str(connection.user_id), {"modes": [], "methods": []})
        mode = wording.IN_ROOM if connection.mode == "in_room" else wording.ELECTRONIC
        if mode not in row["modes"]:
            row["modes"].append(mode)
    return seen


def _roster(meeting: Meeting) -> list[Membership]:
    rows = list(
        Membership.objects.filter(committee=meeting.committee).select_related("user")
    )
    return sorted(
        rows,
        key=lambda m: (_ROLE_RANK.get(m.role, 9), m.position_order, m.user.full_name),
    )


def _person(m: Membership) -> dict[str, Any]:
    return {
        "user": str(m.user_id),
        "name": m.user.display_name,
        "title": wording.ROLE_TITLES.get(m.role, m.role),
        "position": m.position_title,
    }


class _Digits:
    def __init__(self, thai: bool) -> None:
        self.thai = thai

    def __call__(self, value: object) -> str:
        return to_thai_digits(str(value)) if self.thai else str(value)


def _vote_lines(poll: Poll, digits: _Digits) -> list[str]:
    """Open vote: counts and the names per choice (R26); secret: totals only (R27)."""
    if poll.status == PollStatus.VOIDED:
        return [wording.VOIDED]
    tally = poll.tally or {}
    lines: list[str] = []
    if poll.kind == PollKind.MOTION:
        labels = dict(wording.MOTION_CHOICES)
        counts = {key: int(tally.get(key, 0)) for key in labels}
    else:
        labels = {str(o.pk): o.label for o in poll.options.order_by("position")}
        raw = tally.get("counts", {})
        counts = {key: int(raw.get(key, 0)) for key in labels}
    names: dict[str, list[str]] = {key: [] for key in labels}
    if not poll.is_secret:
        voters = {
            str(m.user_id): m.user.display_name
            for m in Membership.objects.filter(
                committee=poll.meeting.committee
            ).select_related("user")
        }
        for ballot in OpenBallot.objects.filter(poll=poll).order_by("cast_at"):
            for key in ballot.choice:
                names.setdefault(key, []).append(voters.get(str(ballot.voter_id), ""))
    for key, label in labels.items():
        line = f"{label} {digits(counts[key])} {wording.VOTES}"
        if not poll.is_secret and names.get(key):
            line += " ได้แก่ " + ", ".join(sorted(names[key]))
        lines.append(line)
    if poll.kind != PollKind.MOTION and tally.get("blank"):
        lines.append(f"{wording.BLANK} {digits(tally['blank'])} {wording.VOTES}")
    lines.append(
        f"{wording.BALLOTS_CAST} {digits(poll.ballots_cast or 0)} "
        f"{wording.ELIGIBLE} {digits(poll.eligible_count or 0)}"
    )
    casting = getattr(poll, "casting_vote", None)
    if casting is not None:
        choice = ", ".join(labels.get(c, c) for c in casting.choice)
        lines.append(f"{wording.CASTING_VOTE}: {choice}")
    if poll.kind == PollKind.MOTION and poll.carried is not None:
        lines.append(wording.CARRIED if poll.carried else wording.NOT_CARRIED)
    elif poll.winners:
        lines.append("ผลการเลือก: " + ", ".join(labels.get(w, w) for w in poll.winners))
    return lines


def _items(meeting: Meeting, digits: _Digits) -> list[dict[str, Any]]:
    names = {
        str(m.user_id): m.user.display_name
        for m in Membership.objects.filter(committee=meeting.committee).select_related(
            "user"
        )
    }
    items = []
    for row in numbered_agenda(meeting=meeting):
        item = row.item
        polls = (
            Poll.objects.filter(item=item)
            .exclude(status=PollStatus.DRAFT)
            .select_related("meeting__committee")
            .order_by("created_at")
        )
        resolution = Resolution.objects.filter(item=item).order_by("-at").first()
        items.append(
            {
                "item": str(item.pk),
                "number": digits(row.number),
                "depth": row.depth,
                "title": item.title,
                "is_secret": item.is_secret,
                "gap": wording.SECRET_ITEM_GAP if item.is_secret else "",
                "discussion": item.description,
                "recusals": [
                    names.get(str(r.member_id), "")
                    for r in Recusal.objects.filter(item=item).order_by("at")
                ],
                "votes": [
                    {
                        "poll": str(p.pk),
                        "question": p.question,
                        "heading": wording.SECRET_VOTE
                        if p.is_secret
                        else wording.OPEN_VOTE,
                        "is_secret": p.is_secret,
                        "lines": _vote_lines(p, digits),
                    }
                    for p in polls
                ],
                "resolution": resolution.text if resolution else "",
                "dissents": [
                    {
                        "member": str(d.member_id),
                        "name": names.get(str(d.member_id), ""),
                        "opinion": d.opinion,
                    }
                    for d in Dissent.objects.filter(item=item).order_by("at")
                ],
            }
        )
    return items


def _recording_gaps(
    meeting: Meeting, roster: list[Membership], *, thai: bool
) -> list[str]:
    """Each stretch a participant attended unrecorded (R31); secret items are listed
    with their agenda item instead."""

    names = {str(m.user_id): m.user.display_name for m in roster}
    lines = []
    for gap in list_gaps(meeting=meeting):
        if gap["reason"] == "secret_session":
            continue
        start, end = (datetime.fromisoformat(gap[k]) for k in ("start", "end"))
        lines.append(
            f"{format_thai_time(start, thai_digits=thai)}–"
            f"{format_thai_time(end, thai_digits=thai)} {wording.RECORDING_GAP} "
            f"{names.get(gap['user'], gap['user'])}"
        )
    return lines


def _incident_text(incident: Incident) -> str:
    """The incident as a sentence (``MEDIA_SERVER_DOWN: ...`` is not for the minutes),
    in Thai like the rest of the minutes whatever the page's language."""
    with translation.override("th"):
        return (
            incident_summary(
                kind=incident.kind,
                description=incident.description,
                subject_name=incident.subject.display_name if incident.subject else "",
            )
            or incident.description
        )


def minutes_content(*, meeting: Meeting) -> dict[str, Any]:
    """The Saraban form's eleven fields, in order, from the meeting's record (R49)."""
    meeting = Meeting.objects.select_related("committee__agency").get(pk=meeting.pk)
    thai = meeting.committee.agency.thai_digits
    digits = _Digits(thai)
    opened_at = _event_at(meeting, RoomEvent.MEETING_OPENED, last=False)
    closed_at = _event_at(meeting, RoomEvent.MEETING_CLOSED, last=True)
    attendance = _attendance(meeting)
    roster = _roster(meeting)
    presiding = presiding_user_id(meeting=meeting)
    on_leave = absence_reasons(meeting=meeting)  # ลาประชุม, with the reason given
    present: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    attending: list[dict[str, Any]] = []
    for m in roster:
        seen = attendance.get(str(m.user_id))
        person = _person(m)
        if seen is None:
            if m.is_voting:
                absent.append({**person, "reason": on_leave.get(str(m.user_id), "")})
            continue
        if str(m.user_id) == presiding and m.role != Role.CHAIR:
            person["title"] = f"{person['title']} {wording.PRESIDING}"
        person["attendance"] = _join(seen["modes"])
        person["identity"] = ", ".join(seen["methods"])
        (present if m.is_voting else attending).append(person)
    recorder = next(
        (m for m in roster if m.role in (Role.SECRETARY, Role.MEMBER_SECRETARY)),
        next(
            (
                m
                for m in roster
                if m.role in (Role.ASSISTANT_SECRETARY, Role.MEMBER_ASSISTANT_SECRETARY)
            ),
            None,
        ),
    )
    title = meeting.title.removeprefix(wording.MINUTES_OF).removeprefix("การประชุม")
    return {
        "format": FORMAT,
        "meeting": str(meeting.pk),
        "title": f"{wording.MINUTES_OF}{title}",
        "number": f"{wording.NUMBER} "
        + (
            meeting_number(meeting.number, meeting.buddhist_year, thai_digits=thai)
            if meeting.number is not None
            else meeting.number_label
        ),
        "date": f"{wording.DATE} "
        + format_thai_date(opened_at or meeting.held_at, thai_digits=thai),
        "place": f"{wording.PLACE} {_place(meeting)}",
        "present": present,
        "absent": absent,
        "attending": attending,
        "opened_at": format_thai_time(opened_at, thai_digits=thai)
        if opened_at
        else wording.NOT_HELD,
        "items": _items(meeting, digits),
        "incidents": [
            f"{format_thai_time(i.at, thai_digits=thai)} {_incident_text(i)}"
            + (f" ({i.handling})" if i.handling else "")
            for i in list_incidents(meeting=meeting)
        ]
        + _recording_gaps(meeting, roster, thai=thai),
        "closed_at": format_thai_time(closed_at, thai_digits=thai)
        if closed_at
        else wording.NOT_HELD,
        "recorder": _person(recorder)
        if recorder
        else {"user": "", "name": "", "title": ""},
    }
