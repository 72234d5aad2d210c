"""Reading a meeting's record into the allowance engine's input (R56-R62).

The rules themselves are in :mod:`prachum.domain.allowances`; this module only decides
what the record says happened:

* **attendees**: committee members (any role, invitees included) with an identity
  check for the meeting. ``identified`` = they still hold an unrevoked check.
* **attended** = present at some moment while the meeting was open: a connection whose
  interval overlaps ``[opened_at, closed_at]``, or a sign-in at the room by the
  secretary made before the meeting closed. Someone who identified and connected but
  left before the chair opened the meeting was never present while it was open and is
  listed unpaid (``NOT_ATTENDED``); someone present at the opening who left before the
  first agenda item attended the meeting and is paid (Decree s.10 pays attendance, and
  they counted for the quorum at the opening).
* **presiding** = the member recorded as presiding
  (``prachum.minutes.services.designate_presiding``, an evidence event: the vice-chair
  or the member elected in the chair's absence, R58); without that record, the chair
  if the chair attended with an identity check, else the vice-chair if they did.
* **quorate** = the quorum recorded in the ``meeting.opened`` event (the quorum the
  chair opened on, APA s.79); ``RoomState.quorum_met`` if no event says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from prachum.allowances.models import AllowanceRun, RunStatus
from prachum.attendance.models import CheckMethod, Connection, IdentityCheck, RoomState
from prachum.committees.models import (
    SECRETARIAT_ROLES,
    AllowanceRate,
    Committee,
    Membership,
    Role,
)
from prachum.domain import allowances as engine
from prachum.domain.quorum import Role as DomainRole
from prachum.domain.thai_dates import BANGKOK
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.minutes.selectors import presiding_designation
from prachum.room.events import RoomEvent


@dataclass(frozen=True)
class PersonRecord:
    """What the record says about one person, beyond the engine's ``Attendee``."""

    user: Any
    role: str
    mode: str  # in_room / remote / "" (never present while open)
    identity_method: str
    attendee: engine.Attendee


@dataclass(frozen=True)
class MeetingRecord:
    attendance: engine.MeetingAttendance
    people: dict[str, PersonRecord]
    opened_at: datetime | None
    closed_at: datetime | None


def quorate_at_open(*, meeting: Meeting) -> bool:
    """The quorum the chair opened on: the first ``meeting.opened`` event (R23)."""
    opened = (
        list_events(chain_key=meeting.chain_key)
        .filter(kind=RoomEvent.MEETING_OPENED)
        .first()
    )
    if opened is not None:
        met = (opened.payload.get("quorum") or {}).get("met")
        if isinstance(met, bool):
            return met
    room = RoomState.objects.filter(meeting=meeting).first()
    return bool(room and room.quorum_met)


def held_on(*, meeting: Meeting, opened_at: datetime | None) -> date:
    """The day the meeting was held (``Meeting.held_at``), in Bangkok."""
    return timezone.localtime(opened_at or meeting.held_at, BANGKOK).date()


def _present_while_open(
    connections: list[Connection], opened_at: datetime, closed_at: datetime
) -> Connection | None:
    for c in connections:
        ended = c.disconnected_at or closed_at
        if c.connected_at <= closed_at and ended >= opened_at:
            return c
    return None


def meeting_record(*, meeting: Meeting) -> MeetingRecord:
    """The engine's ``MeetingAttendance`` for a meeting, with the details for the list."""
    room = RoomState.objects.filter(meeting=meeting).first()
    opened_at = room.opened_at if room else None
    closed_at = room.closed_at if room else None
    roles = {
        str(m.user_id): (m.role, m.user)
        for m in Membership.objects.filter(committee=meeting.committee).select_related(
            "user"
        )
    }
    checks: dict[str, list[IdentityCheck]] = {}
    for check in IdentityCheck.objects.filter(meeting=meeting).order_by("at"):
        checks.setdefault(str(check.user_id), []).append(check)
    connections: dict[str, list[Connection]] = {}
    for conn in Connection.objects.filter(meeting=meeting).order_by("connected_at"):
        connections.setdefault(str(conn.user_id), []).append(conn)

    people: dict[str, PersonRecord] = {}
    for user_id, (role, user) in roles.items():
        own = checks.get(user_id)
        if not own:
            continue  # no identity check: not an attendee at all (Decree s.10)
        valid = [c for c in own if c.revoked_at is None]
        newest = (valid or own)[-1]
        mode = ""
        if opened_at is not None and closed_at is not None:
            seen = _present_while_open(
                connections.get(user_id, []), opened_at, closed_at
            )
            if seen is not None:
                mode = seen.mode
            elif any(
                c.method == CheckMethod.ROOM_SIGN_IN and c.at <= closed_at
                for c in valid
            ):
                mode = "in_room"
        people[user_id] = PersonRecord(
            user=user,
            role=role,
            mode=mode,
            identity_method=newest.method,
            attendee=engine.Attendee(
                person_id=user_id,
                role=DomainRole(role),
                identified=bool(valid),
                attended=bool(mode),
            ),
        )
    designated = presiding_designation(meeting=meeting)
    presiding = next(
        (
            pid
            for wanted in (Role.CHAIR, Role.VICE_CHAIR)
            for pid, p in people.items()
            if p.role == wanted and p.attendee.attended and p.attendee.identified
        ),
        None,
    )
    if designated is not None and str(designated["user"]) in people:
        presiding = str(designated["user"])  # recorded by the secretary (R58)
    order = {r: n for n, r in enumerate(Role.values)}
    ordered = sorted(
        people.values(), key=lambda p: (order.get(p.role, 99), p.user.display_name)
    )
    attendance = engine.MeetingAttendance(
        meeting_id=str(meeting.pk),
        held_on=held_on(meeting=meeting, opened_at=opened_at),
        quorate=quorate_at_open(meeting=meeting),
        presiding_id=presiding,
        attendees=[p.attendee for p in ordered],
    )
    return MeetingRecord(attendance, people, opened_at, closed_at)


def engine_rates(*, committee: Committee) -> list[engine.AllowanceRate]:
    """The committee's rate table as the engine's rates (R57)."""
    return [
        engine.AllowanceRate(
            kind=r.kind,  # type: ignore[arg-type]
            member_amount=r.member_amount,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            source=r.source,
        )
        for r in AllowanceRate.objects.filter(committee=committee).order_by(
            "valid_from"
        )
    ]


def policy_for(committee: Committee) -> engine.AllowancePolicy:
    """The committee's switches (R58, R60-R62)."""
    return engine.AllowancePolicy(
        chair_premium=committee.chair_premium,
        vice_chair_premium=committee.vice_chair_premium,
        pay_secretaries=committee.pay_secretaries,
        max_paid_assistant_secretaries=committee.max_paid_assistant_secretaries,
        pay_invitees=committee.pay_invitees,
        no_quorum_no_allowance=committee.no_quorum_no_allowance,
    )


def list_runs(*, meeting: Meeting) -> QuerySet[AllowanceRun]:
    return AllowanceRun.objects.filter(meeting=meeting).order_by("-computed_at")


def current_run(*, meeting: Meeting) -> AllowanceRun | None:
    """The confirmed run if there is one, else the newest draft."""
    runs = list_runs(meeting=meeting)
    return runs.filter(status=RunStatus.CONFIRMED).first() or runs.first()


NOT_COMPUTED = "not_computed"
COMPUTED = "computed"
CONFIRMED = "confirmed"


def allowance_state(*, meeting: Meeting) -> tuple[str, AllowanceRun | None]:
    """Not computed, computed (a draft list awaiting confirmation) or confirmed (R56)."""
    run = current_run(meeting=meeting)
    if run is None:
        return NOT_COMPUTED, None
    return (CONFIRMED if run.status == RunStatus.CONFIRMED else COMPUTED), run


def runs_awaiting_confirmation(*, user: Any) -> QuerySet[AllowanceRun]:
    """The newest draft list of each meeting without a confirmed one, in committees
    where ``user`` is secretariat (who confirms: :mod:`prachum.allowances.policies`)."""
    newer = AllowanceRun.objects.filter(
        meeting=OuterRef("meeting"), computed_at__gt=OuterRef("computed_at")
    )
    confirmed = AllowanceRun.objects.filter(
        meeting=OuterRef("meeting"), status=RunStatus.CONFIRMED
    )
    secretariat = Membership.objects.filter(
        committee=OuterRef("meeting__committee"),
        user=user,
        role__in=SECRETARIAT_ROLES,
    )
    return (
        AllowanceRun.objects.filter(status=RunStatus.DRAFT)
        .filter(Exists(secretariat))
        .exclude(Exists(newer))
        .exclude(Exists(confirmed))
        .select_related("meeting__committee")
        .order_by("computed_at")
    )
