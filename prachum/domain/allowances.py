"""Meeting allowances (เบี้ยประชุม) for a run of meetings (RD 2547; Decree s.10).

Rules (legal.md A6; R56-R62), each a policy switch where the source is unverified:

* only attendees who identified themselves are paid, in the room or remote (Decree
  s.10);
* the rate is the one in force on the meeting's date, so a change mid-month applies to
  later meetings (R57); per-meeting rates are paid per meeting (RD 2547 s.7(2)), monthly
  rates once per person per month with an attended meeting (s.7(1); R59);
* whoever presides gets the member rate plus ``chair_premium`` (25%): the chair, or in
  the chair's absence the person presiding (R58); a chair who attends but does not
  preside is paid as a member; the vice-chair premium is configurable;
* a member who is also the secretary or an assistant secretary (กรรมการและเลขานุการ,
  กรรมการและผู้ช่วยเลขานุการ) is paid once, as the higher of the two: the member rate,
  whatever ``pay_secretaries`` says, and outside the assistant-secretary cap [I];
* secretaries are paid as members when ``pay_secretaries``; at most
  ``max_paid_assistant_secretaries`` assistant secretaries per meeting, in the order
  listed, with a warning (R60); invitees only when ``pay_invitees`` (R61);
* no allowance for a meeting without quorum when ``no_quorum_no_allowance`` (R62).

Every attendee listed gets a line, unpaid ones with amount 0 and the reason. A monthly
payment is one line with ``month`` set and no ``meeting_id``; its amount is the highest
earned at that month's meetings (a presiding member keeps the premium) [I]. Amounts are
rounded ROUND_HALF_UP to the satang; ``total`` is the sum of the lines.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from prachum.domain.errors import InvalidInputError, InvalidRuleError
from prachum.domain.quorum import Role
from prachum.domain.reasons import (
    DECREE_S10,
    NO_QUORUM_NO_PAY,
    RD_CHAIR,
    RD_MONTHLY,
    RD_NOT_ENTITLED,
    RD_PER_MEETING,
    RD_SECRETARIES,
    Reason,
)
from prachum.domain.thai_dates import SATANG, bangkok_date

ZERO = Decimal("0.00")
MEMBER_SECRETARIAT = frozenset({Role.MEMBER_SECRETARY, Role.MEMBER_ASSISTANT_SECRETARY})


@dataclass(frozen=True)
class AllowanceRate:
    """A member's rate from ``valid_from`` to ``valid_to`` (inclusive)."""

    kind: Literal["per_meeting", "monthly"]
    member_amount: Decimal
    valid_from: date
    valid_to: date | None
    source: str

    def __post_init__(self) -> None:
        if not self.member_amount.is_finite() or self.member_amount < 0:
            raise InvalidRuleError("RATE_INVALID", f"{self.member_amount}")

    def in_force_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


@dataclass(frozen=True)
class AllowancePolicy:
    chair_premium: Decimal = Decimal("0.25")
    vice_chair_premium: Decimal = Decimal("0")
    pay_secretaries: bool = True
    max_paid_assistant_secretaries: int = 2
    pay_invitees: bool = False
    no_quorum_no_allowance: bool = True


@dataclass(frozen=True)
class Attendee:
    person_id: str
    role: Role
    identified: bool
    attended: bool = True


@dataclass(frozen=True)
class MeetingAttendance:
    meeting_id: str
    held_on: date
    quorate: bool
    presiding_id: str | None
    attendees: Sequence[Attendee]


@dataclass(frozen=True)
class AllowanceLine:
    person_id: str
    meeting_id: str | None
    month: date | None
    role: Role
    amount: Decimal
    reason_code: str
    clause: str
    detail: str = ""


@dataclass(frozen=True)
class AllowanceRun:
    lines: tuple[AllowanceLine, ...]
    total: Decimal
    warnings: tuple[Reason, ...]


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(SATANG, rounding=ROUND_HALF_UP)


def rate_on(rates: Sequence[AllowanceRate], d: date) -> AllowanceRate:
    """The single rate in force on ``d`` (RD 2547 s.7; MOF rate notification; R57)."""
    found = [r for r in rates if r.in_force_on(d)]
    if not found:
        raise InvalidInputError("NO_RATE_IN_FORCE", f"no allowance rate on {d}")
    if len(found) > 1:
        raise InvalidRuleError("RATES_OVERLAP", f"{len(found)} rates on {d}")
    return found[0]


def _meeting_lines(
    meeting: MeetingAttendance,
    rate: AllowanceRate,
    policy: AllowancePolicy,
    warnings: list[Reason],
) -> Iterator[AllowanceLine]:
    ids = [a.person_id for a in meeting.attendees]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("DUPLICATE_ATTENDEE", meeting.meeting_id)
    paying = [a for a in meeting.attendees if a.attended and a.identified]
    presiding = meeting.presiding_id or next(
        (a.person_id for a in paying if a.role is Role.CHAIR), None
    )
    if presiding is None:
        warnings.append(Reason("PRESIDING_NOT_RECORDED", RD_CHAIR, meeting.meeting_id))
    base = rate.member_amount
    rate_clause = RD_PER_MEETING if rate.kind == "per_meeting" else RD_MONTHLY
    assistants = 0
    for a in meeting.attendees:
        amount, clause = ZERO, RD_NOT_ENTITLED
        if not a.attended:
            code, clause = "NOT_ATTENDED", DECREE_S10
        elif not a.identified:
            code, clause = "NOT_IDENTIFIED", DECREE_S10
        elif not meeting.quorate and policy.no_quorum_no_allowance:
            code, clause = "NO_QUORUM_NO_ALLOWANCE", NO_QUORUM_NO_PAY
        elif a.person_id == presiding:
            code = "ALLOWANCE_CHAIR" if a.role is Role.CHAIR else "ALLOWANCE_PRESIDING"
            amount, clause = base * (1 + policy.chair_premium), RD_CHAIR
        elif a.role is Role.VICE_CHAIR:
            code = "ALLOWANCE_VICE_CHAIR"
            amount, clause = base * (1 + policy.vice_chair_premium), rate_clause
        elif a.role in (Role.CHAIR, Role.MEMBER):
            code, amount, clause = "ALLOWANCE_MEMBER", base, rate_clause
        elif a.role in MEMBER_SECRETARIAT:
            # one seat, one allowance: the member rate is never below the secretary's
            code, amount, clause = "ALLOWANCE_MEMBER_SECRETARY", base, rate_clause
        elif a.role is Role.INVITEE and not policy.pay_invitees:
            code = "INVITEE_NOT_PAID"
        elif a.role is Role.INVITEE:
            code, amount, clause = "ALLOWANCE_INVITEE", base, rate_clause
        elif not policy.pay_secretaries:
            code, clause = "SECRETARY_NOT_PAID", RD_SECRETARIES
        elif a.role is Role.SECRETARY:
            code, amount, clause = "ALLOWANCE_SECRETARY", base, RD_SECRETARIES
        elif assistants < policy.max_paid_assistant_secretaries:
            assistants += 1
            code = "ALLOWANCE_ASSISTANT_SECRETARY"
            amount, clause = base, RD_SECRETARIES
        else:
            code, clause = "ASSISTANT_SECRETARY_OVER_CAP", RD_SECRETARIES
            cap = policy.max_paid_assistant_secretaries
            detail = f"{meeting.meeting_id}: {a.person_id} beyond {cap} paid"
            warnings.append(Reason("ASSISTANT_SECRETARY_CAP_EXCEEDED", clause, detail))
        detail = f"{rate.kind} rate {base} ({rate.source}) on {meeting.held_on}"
        yield AllowanceLine(
            a.person_id,
            meeting.meeting_id,
            None,
            a.role,
            _money(amount),
            code,
            clause,
            detail,
        )


def compute_allowances(
    *,
    meetings: Sequence[MeetingAttendance],
    rates: Sequence[AllowanceRate],
    policy: AllowancePolicy = AllowancePolicy(),
) -> AllowanceRun:
    """Compute the allowance lines for a run of meetings (RD 2547 s.7(1)-(2) [S];
    Decree s.10; MOF rate notification B.E. 2564 [S]; R56-R62)."""
    lines: list[AllowanceLine] = []
    warnings: list[Reason] = []
    monthly: dict[tuple[str, date], list[AllowanceLine]] = {}
    for meeting in sorted(meetings, key=lambda m: (m.held_on, m.meeting_id)):
        day = bangkok_date(meeting.held_on)
        rate = rate_on(rates, day)
        for line in _meeting_lines(meeting, rate, policy, warnings):
            if rate.kind == "monthly" and line.amount > 0:
                key = (line.person_id, day.replace(day=1))
                monthly.setdefault(key, []).append(line)
            else:
                lines.append(line)
    for (_person, month), earned in sorted(monthly.items()):
        best = max(earned, key=lambda line: line.amount)
        attended = ", ".join(line.meeting_id or "" for line in earned)
        detail = f"{best.reason_code} ({best.detail}); attended {attended}"
        lines.append(
            replace(
                best,
                meeting_id=None,
                month=month,
                reason_code="ALLOWANCE_MONTHLY",
                clause=RD_MONTHLY,
                detail=detail,
            )
        )
    return AllowanceRun(
        tuple(lines), sum((x.amount for x in lines), ZERO), tuple(warnings)
    )
