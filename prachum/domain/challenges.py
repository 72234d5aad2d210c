"""Challenges (คัดค้าน) of a commission member on a matter (APA ss.13-17; R30, R75, R76).

* A challenge is written, states the facts and a legal ground: one of s.13(1)-(6), or
  s.16's other serious circumstance. Without a ground or without facts it is refused
  (Ministerial Regulation No. 7 (B.E. 2542) [S]; R75).
* It is addressed to the chair of the commission for a s.13 ground, to the challenged
  member for a s.16 ground (same regulation [S]).
* The commission decides with the challenged member out of the room, and while it does
  the commission consists of the other members (s.15 paras 1-2 [V]). The member may go
  on only if the meeting so resolves by at least two thirds of the unchallenged members
  (s.15 para 3 [I], applied to s.16 by s.16 para 3 [V]); otherwise the challenge is
  upheld and the member leaves the item (its quorum and majority base, R21).
* What was done before the member was suspended stays valid; the commission may have
  parts redone (s.17 [V]; R76): that is a flag, never an automatic annulment.
"""

from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Literal

from prachum.domain.errors import InvalidInputError, InvalidRuleError
from prachum.domain.reasons import APA, Reason

S13_GROUNDS = frozenset({"s13_1", "s13_2", "s13_3", "s13_4", "s13_5", "s13_6"})
S16_GROUND = "s16"
CHALLENGE_FORM = f"{APA} ss.13, 16 with Ministerial Regulation No. 7 (B.E. 2542) [S]"
CHALLENGE_DECISION = f"{APA} s.15 paras 1-3 (para 3 [I]), s.16 para 3"
CONTINUE_FRACTION = Fraction(2, 3)

Addressee = Literal["chair", "member"]


def check_challenge(*, ground: str, facts: str) -> Addressee:
    """Refuse a challenge without a legal ground or without facts; else say to whom it
    is addressed: the chair for s.13 grounds, the member for s.16 (R75)."""
    if not ground:
        raise InvalidInputError("CHALLENGE_GROUND_MISSING", CHALLENGE_FORM)
    if not facts.strip():
        raise InvalidInputError("CHALLENGE_FACTS_MISSING", CHALLENGE_FORM)
    if ground in S13_GROUNDS:
        return "chair"
    if ground == S16_GROUND:
        return "member"
    raise InvalidInputError("CHALLENGE_GROUND_UNKNOWN", ground)


@dataclass(frozen=True)
class ChallengeDecision:
    upheld: bool
    required_to_continue: int
    reason: Reason


def decide_challenge(
    *,
    unchallenged: int,
    votes_continue: int,
    votes_remove: int,
    abstentions: int = 0,
    fraction: Fraction = CONTINUE_FRACTION,
) -> ChallengeDecision:
    """The commission's decision on a challenge from the tally on "the member may go
    on": upheld (the member leaves the item) unless at least ``fraction`` of the
    ``unchallenged`` members vote to let them continue (APA s.15 paras 1-3 [I])."""
    if not 0 < fraction <= 1:
        raise InvalidRuleError("CHALLENGE_FRACTION_OUT_OF_RANGE", f"{fraction}")
    counts = (unchallenged, votes_continue, votes_remove, abstentions)
    if min(counts) < 0:
        raise InvalidInputError("CHALLENGE_TALLY_NEGATIVE", f"{counts}")
    if votes_continue + votes_remove + abstentions > unchallenged:
        detail = f"{sum(counts[1:])} votes from {unchallenged} unchallenged members"
        raise InvalidInputError("CHALLENGE_TALLY_EXCEEDS_MEMBERS", detail)
    required = max(1, ceil(unchallenged * fraction))
    upheld = votes_continue < required
    detail = (
        f"{votes_continue} to continue, {votes_remove} against, {abstentions} "
        f"abstaining; {required} of {unchallenged} unchallenged members needed"
    )
    code = "CHALLENGE_UPHELD" if upheld else "CHALLENGE_REJECTED"
    return ChallengeDecision(upheld, required, Reason(code, CHALLENGE_DECISION, detail))
