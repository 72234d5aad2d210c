"""Quorum: how many members must be present, and are they? (APA s.79; Decree s.9(1))

A member is *present* when identified AND connected (AND, if ``require_audio``, with a
working audio path), whether in the room or remote (Decree ss.4, 6, 9(1); MOI
circular 2563 item 4; R5, R16, R22). Only voting members count (R25): chair, vice-chair
and members by default, and the secretary or assistant secretary who is also a member
(กรรมการและเลขานุการ, ``member_secretary``; ``member_assistant_secretary``); a plain
secretary counts only if the roster marks them ``is_voting``.

Choices written down here (legal.md §D):

* Recused members (APA ss.13-16) leave the base for that item: the body "consists of the
  other members" (s.15 para 2, to which s.79 is subject; R21, R30).
* A substitute fills the seat of the member they stand in for, only if the body's rule
  says substitutes count, only while that member is not present, and never for a
  recused member (R24). A seat is counted once.
* A meeting needs at least one member: ``required`` is never below 1.
* Legacy regime (NCPO 74/2557, before 19 April 2020): everyone present must be in the
  Kingdom, and ceil(required / 3) counted members must share one room (R7, R8; "one
  third of the quorum" read as of the required number, §D.7). Failing either makes
  ``met`` False, with the reason in ``reasons``: under NCPO 74 such a meeting was not a
  valid e-meeting. Unknown location (``in_kingdom`` None) counts as not shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from math import ceil, floor
from typing import Literal

from prachum.domain.errors import InvalidInputError, InvalidRuleError
from prachum.domain.reasons import (
    APA_RECUSAL,
    APA_S79_P1,
    APA_S79_P2,
    NCPO74,
    SARABAN_C25,
    Reason,
)
from prachum.domain.regimes import Regime

ADJOURNED_WINDOW_DAYS = 14


class Role(StrEnum):
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    MEMBER = "member"
    SECRETARY = "secretary"
    ASSISTANT_SECRETARY = "assistant_secretary"
    MEMBER_SECRETARY = "member_secretary"
    MEMBER_ASSISTANT_SECRETARY = "member_assistant_secretary"
    INVITEE = "invitee"


# กรรมการและเลขานุการ / กรรมการและผู้ช่วยเลขานุการ are members of the body who also
# keep its secretariat: they count for quorum and vote (APA s.79; R25).
VOTING_ROLES = frozenset(
    {
        Role.CHAIR,
        Role.VICE_CHAIR,
        Role.MEMBER,
        Role.MEMBER_SECRETARY,
        Role.MEMBER_ASSISTANT_SECRETARY,
    }
)
SECRETARIAT_ROLES = frozenset(
    {
        Role.SECRETARY,
        Role.ASSISTANT_SECRETARY,
        Role.MEMBER_SECRETARY,
        Role.MEMBER_ASSISTANT_SECRETARY,
    }
)


@dataclass(frozen=True)
class QuorumRule:
    kind: Literal["at_least_fraction", "more_than_fraction", "fixed"] = (
        "at_least_fraction"
    )
    fraction: Fraction = Fraction(1, 2)
    fixed_count: int | None = None
    substitutes_count: bool = False
    recused_excluded: bool = True
    adjourned_fraction: Fraction | None = Fraction(
        1, 3
    )  # None: the body's law has none
    is_dispute_body: bool = False
    source: str = APA_S79_P1

    def __post_init__(self) -> None:
        if self.kind == "fixed" and (self.fixed_count is None or self.fixed_count < 1):
            raise InvalidRuleError(
                "QUORUM_FIXED_COUNT_MISSING", "a fixed quorum needs a count"
            )
        for share in (self.fraction, self.adjourned_fraction):
            if share is not None and not 0 < share <= 1:
                raise InvalidRuleError("QUORUM_FRACTION_OUT_OF_RANGE", f"{share}")


@dataclass(frozen=True)
class RosterEntry:
    person_id: str
    role: Role
    is_voting: bool | None = None
    is_substitute_for: str | None = None

    @property
    def is_voting_member(self) -> bool:
        """Voting by role unless the roster says otherwise (a secretary-member)."""
        return self.role in VOTING_ROLES if self.is_voting is None else self.is_voting


@dataclass(frozen=True)
class Presence:
    person_id: str
    mode: Literal["in_room", "remote"]
    identified: bool
    connected: bool
    audio_up: bool | None = None
    in_kingdom: bool | None = None
    room: str | None = None

    def is_present(self, *, require_audio: bool) -> bool:
        """Identified and connected (Decree s.9(1)); with audio when required (R16).

        In the meeting room the room's own microphones carry the voice: a person signed
        in there is present without a device (Decree ss.6, 10; R8)."""
        audio_ok = self.mode == "in_room" or self.audio_up is True or not require_audio
        return self.identified and self.connected and audio_ok


@dataclass(frozen=True)
class ItemContext:
    recused: frozenset[str] = frozenset()
    adjourned_for_no_quorum: bool = False
    adjourned_on: date | None = None
    rescheduled_on: date | None = None
    notice_stated_adjourned: bool = False

    def __post_init__(self) -> None:
        if self.adjourned_for_no_quorum and (
            self.adjourned_on is None
            or self.rescheduled_on is None
            or self.rescheduled_on < self.adjourned_on
        ):
            raise InvalidInputError(
                "ADJOURNED_DATES_INVALID", "adjourned item needs dates"
            )


@dataclass(frozen=True)
class QuorumStatus:
    required: int
    counted: int
    eligible: int
    met: bool
    counted_ids: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def required_count(rule: QuorumRule, eligible: int) -> int:
    """The quorum for a base of ``eligible`` members: "at least" a fraction is
    ceil(n*f), "more than" a fraction is floor(n*f)+1 (APA s.79 para 1; R21)."""
    if rule.kind == "fixed":
        assert rule.fixed_count is not None  # checked in QuorumRule
        needed = rule.fixed_count
    elif rule.kind == "more_than_fraction":
        needed = floor(eligible * rule.fraction) + 1
    else:
        needed = ceil(eligible * rule.fraction)
    return max(1, needed)


def _adjourned(
    rule: QuorumRule, item: ItemContext, eligible: int, normal: int
) -> tuple[int, Reason]:
    """APA s.79 para 2: a matter adjourned for want of quorum, rescheduled within 14
    days with a notice saying so, needs one third; not for dispute-ruling bodies."""
    assert item.adjourned_on is not None
    assert item.rescheduled_on is not None
    days = (item.rescheduled_on - item.adjourned_on).days
    detail = f"rescheduled {days} days after adjournment"
    if rule.adjourned_fraction is None:
        return normal, Reason("ADJOURNED_MATTER_NOT_IN_RULE", rule.source, detail)
    if rule.is_dispute_body:
        return normal, Reason("ADJOURNED_MATTER_DISPUTE_BODY", APA_S79_P2, detail)
    if days > ADJOURNED_WINDOW_DAYS:
        return normal, Reason("ADJOURNED_MATTER_TOO_LATE", APA_S79_P2, detail)
    if not item.notice_stated_adjourned:
        return normal, Reason("ADJOURNED_MATTER_NOTICE_SILENT", APA_S79_P2, detail)
    reduced = max(1, ceil(eligible * rule.adjourned_fraction))
    detail += f"; {rule.adjourned_fraction} of {eligible} is {reduced}"
    return min(normal, reduced), Reason("ADJOURNED_MATTER_QUORUM", APA_S79_P2, detail)


def _legacy_reasons(
    regime: Regime,
    required: int,
    counted: Sequence[Presence],
    present: Sequence[Presence],
) -> list[Reason]:
    """NCPO 74/2557: all in the Kingdom; a third of the quorum in one room (R7, R8)."""
    reasons = []
    if regime.everyone_in_kingdom:
        outside = sorted(p.person_id for p in present if p.in_kingdom is not True)
        if outside:
            detail = "not shown in the Kingdom: " + ", ".join(outside)
            reasons.append(Reason("LEGACY_NOT_ALL_IN_KINGDOM", NCPO74, detail))
    if regime.co_located_fraction is not None:
        needed = ceil(required * regime.co_located_fraction)
        rooms: dict[str, int] = {}
        for p in counted:
            if p.mode == "in_room":  # an unnamed room is the meeting room
                rooms[p.room or ""] = rooms.get(p.room or "", 0) + 1
        largest = max(rooms.values(), default=0)
        if largest < needed:
            detail = f"{largest} in one room, {needed} needed"
            reasons.append(Reason("LEGACY_CO_LOCATION_SHORT", NCPO74, detail))
    return reasons


def quorum_status(
    *,
    roster: Sequence[RosterEntry],
    presences: Sequence[Presence],
    rule: QuorumRule,
    item: ItemContext | None = None,
    regime: Regime | None = None,
    require_audio: bool = False,
) -> QuorumStatus:
    """Count the quorum for a meeting, or for one agenda item when ``item`` is given
    (APA s.79 paras 1-2 with s.15 para 2; Decree ss.6, 9(1); NCPO 74/2557 for the legacy
    regime). ``reasons[0]`` is ``QUORUM_MET`` or ``QUORUM_NOT_MET``."""
    item = item or ItemContext()
    by_id = {e.person_id: e for e in roster}
    if len(by_id) != len(roster):
        raise InvalidInputError("DUPLICATE_ROSTER_ENTRY", "a person appears twice")
    for e in roster:
        if e.is_substitute_for is not None and e.is_substitute_for not in by_id:
            raise InvalidInputError("SUBSTITUTE_FOR_UNKNOWN", e.person_id)
    recused = item.recused if rule.recused_excluded else frozenset()
    seats = {
        e.person_id
        for e in roster
        if e.is_substitute_for is None
        and e.is_voting_member
        and e.person_id not in recused
    }
    reasons: list[Reason] = []
    present_by_id: dict[str, Presence] = {}
    for p in presences:
        if p.is_present(require_audio=require_audio):
            present_by_id.setdefault(p.person_id, p)
    counted: dict[str, Presence] = {}  # seat -> the presence that fills it
    for person_id, p in present_by_id.items():
        entry = by_id.get(person_id)
        if entry is None or entry.is_substitute_for is None:
            if person_id in seats:
                counted[person_id] = p
            continue
        seat = entry.is_substitute_for
        if seat not in seats or seat in present_by_id:
            continue
        if rule.substitutes_count:
            counted.setdefault(seat, p)
        code = (
            "SUBSTITUTE_COUNTED" if rule.substitutes_count else "SUBSTITUTE_NOT_COUNTED"
        )
        reasons.append(Reason(code, SARABAN_C25, f"{person_id} for {seat}"))
    eligible = len(seats)
    withdrawn = recused & {e.person_id for e in roster if e.is_voting_member}
    if withdrawn:
        detail = f"base {eligible} after recusal of " + ", ".join(sorted(withdrawn))
        reasons.append(Reason("RECUSALS_REDUCE_BASE", APA_RECUSAL, detail))
    required = required_count(rule, eligible)
    if item.adjourned_for_no_quorum:
        required, reason = _adjourned(rule, item, eligible, required)
        reasons.append(reason)
    if regime is not None:
        present = list(present_by_id.values())
        reasons += _legacy_reasons(regime, required, list(counted.values()), present)
    met = len(counted) >= required and not any(
        r.code.startswith("LEGACY_") for r in reasons
    )
    head = Reason(
        "QUORUM_MET" if met else "QUORUM_NOT_MET",
        rule.source,
        f"{len(counted)} counted of {eligible}; {required} required",
    )
    counted_ids = tuple(sorted(p.person_id for p in counted.values()))
    return QuorumStatus(
        required, len(counted), eligible, met, counted_ids, (head, *reasons)
    )


class Standing(StrEnum):
    """Why one person does or does not count towards the quorum now (issue 13 point 9)."""

    COUNTED_IN_ROOM = "counted_in_room"
    COUNTED_REMOTE = "counted_remote"
    NOT_IDENTIFIED = "not_identified"
    NOT_CONNECTED = "not_connected"
    AUDIO_DOWN = "audio_down"
    RECUSED = "recused"
    NO_VOTE = "no_vote"
    ON_LEAVE = "on_leave"


def standing(
    *,
    entry: RosterEntry,
    presence: Presence | None,
    require_audio: bool,
    recused: frozenset[str] = frozenset(),
    on_leave: bool = False,
) -> Standing:
    """One person's standing, by the rules :func:`quorum_status` counts with.

    Identified and connected (Decree s.9(1)); in the room, or remote with audio when
    presence requires it (Decree ss.6, 10; R16); a voting member (R25); not withdrawn
    from the item (APA s.79 with s.15 para 2). A substitute's seat depends on the seat
    holder (:func:`quorum_status`); here a substitute is ``NO_VOTE``.
    """
    absent = presence is None or not (presence.identified and presence.connected)
    if absent and on_leave:
        return Standing.ON_LEAVE  # leave recorded with a reason (APA s.83 minutes)
    if presence is None or not presence.identified:
        return Standing.NOT_IDENTIFIED
    if not presence.connected:
        return Standing.NOT_CONNECTED
    if not presence.is_present(require_audio=require_audio):
        return Standing.AUDIO_DOWN
    if not entry.is_voting_member or entry.is_substitute_for is not None:
        return Standing.NO_VOTE
    if entry.person_id in recused:
        return Standing.RECUSED
    if presence.mode == "in_room":
        return Standing.COUNTED_IN_ROOM
    return Standing.COUNTED_REMOTE
