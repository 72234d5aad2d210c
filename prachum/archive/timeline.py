"""The meeting's attendance-and-quorum timeline, read from the record (R8, R22, R42).

Who was present when (in the meeting room or remote), how many voting members were
present against the quorum the law engine requires, when each vote opened and closed
and when each incident happened. :mod:`prachum.archive.timeline_svg` draws it for the
meeting's file and the minutes' annex.

Presence here is a connection of the record (an identified person joined, or was
signed in at the room by the secretary); the live count in the room also weighs audio
and recusals item by item, so this picture is a summary, not a new count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from prachum.attendance.models import LocationKind, RoomState
from prachum.attendance.selectors import attendance_intervals
from prachum.committees.models import Membership, Role
from prachum.domain.quorum import required_count
from prachum.meetings.models import Meeting
from prachum.room.incidents import list_incidents
from prachum.room.quorum import quorum_rule_for
from prachum.voting.selectors import opened_polls

IN_ROOM = LocationKind.IN_ROOM.value
REMOTE = LocationKind.REMOTE.value
POLL_OPENED = "poll_opened"
POLL_CLOSED = "poll_closed"
INCIDENT = "incident"

_ROLE_RANK: dict[str, int] = {
    Role.CHAIR: 0,
    Role.VICE_CHAIR: 1,
    Role.MEMBER: 2,
    Role.MEMBER_SECRETARY: 3,
    Role.MEMBER_ASSISTANT_SECRETARY: 4,
    Role.SECRETARY: 5,
    Role.ASSISTANT_SECRETARY: 6,
    Role.INVITEE: 7,
}


@dataclass(frozen=True)
class Bar:
    start: datetime
    end: datetime
    mode: str  # IN_ROOM or REMOTE


@dataclass(frozen=True)
class Lane:
    user_id: str
    name: str
    role: str
    is_voting: bool
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Mark:
    at: datetime
    kind: str  # POLL_OPENED, POLL_CLOSED or INCIDENT
    label: str


@dataclass(frozen=True)
class Timeline:
    start: datetime | None
    end: datetime | None
    lanes: tuple[Lane, ...]
    counts: tuple[tuple[datetime, int], ...]  # (from this time, voting members present)
    required: int
    eligible: int
    marks: tuple[Mark, ...]
    thai_digits: bool = False

    @property
    def is_empty(self) -> bool:
        return self.start is None


def _bars(
    meeting: Meeting, room: RoomState | None
) -> tuple[dict[str, list[Bar]], datetime | None, datetime | None]:
    """Every presence interval per person, and the window they span (an interval
    still open ends when the meeting closed, or now)."""
    closed_at = room.closed_at if room else None
    now = timezone.now()
    bars: dict[str, list[Bar]] = {}
    starts: list[datetime] = []
    ends: list[datetime] = []
    for row in attendance_intervals(meeting=meeting):
        start = datetime.fromisoformat(row["joined_at"])
        left = row["left_at"]
        end = datetime.fromisoformat(left) if left else (closed_at or now)
        end = max(end, start)
        mode = IN_ROOM if row["mode"] == IN_ROOM else REMOTE
        bars.setdefault(row["user"], []).append(Bar(start, end, mode))
        starts.append(start)
        ends.append(end)
    if room is not None and room.opened_at is not None:
        starts.append(room.opened_at)
        ends.append(closed_at or max([now, *ends]))
    if not starts:
        return bars, None, None
    return bars, min(starts), max(ends)


def _counts(
    bars: dict[str, list[Bar]], voting: set[str], start: datetime
) -> tuple[tuple[datetime, int], ...]:
    """The number of voting members present, as steps: one person counts once
    whatever number of devices (or the room) they are present with."""
    changes: list[tuple[datetime, int, str]] = []
    for user_id, rows in bars.items():
        if user_id not in voting:
            continue
        for bar in rows:
            changes.append((bar.start, 1, user_id))
            changes.append((bar.end, -1, user_id))
    # At the same instant leaving is applied before joining: no false peak.
    changes.sort(key=lambda c: (c[0], c[1]))
    open_per_user: dict[str, int] = {}
    steps: list[tuple[datetime, int]] = [(start, 0)]
    for at, delta, user_id in changes:
        open_per_user[user_id] = open_per_user.get(user_id, 0) + delta
        present = sum(1 for n in open_per_user.values() if n > 0)
        if steps[-1][0] == at:
            steps[-1] = (at, present)
        elif steps[-1][1] != present:
            steps.append((at, present))
    return tuple(steps)


def _marks(meeting: Meeting) -> tuple[Mark, ...]:
    marks: list[Mark] = []
    for poll in opened_polls(meeting=meeting):
        assert poll.opened_at is not None  # opened_polls filters
        marks.append(Mark(poll.opened_at, POLL_OPENED, poll.question))
        if poll.closed_at is not None:
            marks.append(Mark(poll.closed_at, POLL_CLOSED, poll.question))
    for incident in list_incidents(meeting=meeting):
        marks.append(Mark(incident.at, INCIDENT, incident.get_kind_display()))
    return tuple(sorted(marks, key=lambda m: m.at))


def meeting_timeline(*, meeting: Meeting) -> Timeline:
    """The timeline of ``meeting`` from its record; empty before anyone joined."""
    meeting = Meeting.objects.select_related("committee__agency").get(pk=meeting.pk)
    room = RoomState.objects.filter(meeting=meeting).first()
    bars, start, end = _bars(meeting, room)
    roster = list(
        Membership.objects.filter(committee=meeting.committee).select_related("user")
    )
    voting = {str(m.user_id) for m in roster if m.is_voting}
    eligible = len(voting)
    required = required_count(quorum_rule_for(meeting.committee), eligible)
    thai_digits = meeting.committee.agency.thai_digits
    if start is None or end is None:
        return Timeline(None, None, (), (), required, eligible, (), thai_digits)
    roster.sort(
        key=lambda m: (
            not m.is_voting,
            _ROLE_RANK.get(m.role, 9),
            m.position_order,
            m.user.full_name,
        )
    )
    lanes = tuple(
        Lane(
            user_id=str(m.user_id),
            name=m.user.display_name,
            role=m.role,
            is_voting=m.is_voting,
            bars=tuple(bars.get(str(m.user_id), ())),
        )
        for m in roster
        if m.is_voting or str(m.user_id) in bars  # an absent member: an empty lane
    )
    return Timeline(
        start=start,
        end=end,
        lanes=lanes,
        counts=_counts(bars, voting, start),
        required=required,
        eligible=eligible,
        marks=_marks(meeting),
        thai_digits=thai_digits,
    )
