"""Resolutions: does a motion carry, and how are multi-choice polls counted? (APA s.82)

APA s.82 [I: the primary text of ss.81-82 was not read, legal.md §D.12]: a resolution
needs a majority; each member has one vote; on equal votes the chair has one more, the
casting vote. Bodies may set another majority in their own law (R29):

* ``simple_of_cast``: more yes than half of the votes cast;
* ``absolute_of_members``: more yes than half of the members (of the item's base);
* ``qualified_of_members`` / ``qualified_of_cast``: yes at least ``fraction`` of members
  or of votes cast (e.g. two thirds).

Abstentions are either left out of "votes cast" (``excluded``) or counted in it
(``count_as_cast``, so they weigh like no). A tie is equal yes and no where the casting
vote would decide the outcome; the casting vote is a separate recorded step: ``decide``
first answers ``TIE_NEEDS_CASTING_VOTE`` and is called again with ``casting_vote``.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from prachum.domain.errors import (
    InvalidBallotError,
    InvalidInputError,
    InvalidRuleError,
)
from prachum.domain.reasons import APA_S82

QUALIFIED = ("qualified_of_members", "qualified_of_cast")


@dataclass(frozen=True)
class MajorityRule:
    kind: Literal[
        "simple_of_cast",
        "absolute_of_members",
        "qualified_of_members",
        "qualified_of_cast",
    ] = "simple_of_cast"
    fraction: Fraction | None = None
    abstentions: Literal["excluded", "count_as_cast"] = "excluded"
    casting_vote: bool = True
    source: str = APA_S82

    def __post_init__(self) -> None:
        if (self.kind in QUALIFIED) != (self.fraction is not None):
            raise InvalidRuleError(
                "MAJORITY_FRACTION_MISMATCH",
                "a fraction goes with qualified kinds only",
            )
        if self.fraction is not None and not 0 < self.fraction <= 1:
            raise InvalidRuleError("MAJORITY_FRACTION_OUT_OF_RANGE", f"{self.fraction}")


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    def __post_init__(self) -> None:
        if min(self.yes, self.no, self.abstain) < 0:
            raise InvalidInputError("NEGATIVE_COUNT", f"{self}")

    @property
    def ballots(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class MajorityDecision:
    carried: bool | None
    needs_casting_vote: bool
    code: str
    clause: str
    detail: str


def tally(choices: Iterable[str]) -> Tally:
    """Count yes/no/abstain ballots, one vote per member (APA s.82; Decree s.9(2))."""
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for index, choice in enumerate(choices):
        if choice not in counts:
            raise InvalidBallotError(
                "BALLOT_UNKNOWN_OPTION", f"ballot {index}: {choice}"
            )
        counts[choice] += 1
    return Tally(**counts)


def _carried(yes: int, no: int, abstain: int, rule: MajorityRule, members: int) -> bool:
    cast = yes + no + (abstain if rule.abstentions == "count_as_cast" else 0)
    if rule.kind == "simple_of_cast":
        return 2 * yes > cast
    if rule.kind == "absolute_of_members":
        return 2 * yes > members
    assert rule.fraction is not None  # checked in MajorityRule
    base = members if rule.kind == "qualified_of_members" else cast
    return cast > 0 and yes >= rule.fraction * base


def decide(
    *,
    tally: Tally,
    rule: MajorityRule,
    members: int,
    casting_vote: Literal["yes", "no"] | None = None,
) -> MajorityDecision:
    """Decide a motion (APA s.82 [I]; the body's own majority rule; R29, R30).

    ``members`` is the item's voting base: ``QuorumStatus.eligible`` after recusals.
    Codes: ``CARRIED``, ``NOT_CARRIED``, ``NO_VOTES_CAST``, ``TIE_NEEDS_CASTING_VOTE``,
    ``TIE_CASTING_VOTE``, ``TIE_NO_CASTING_VOTE``.
    """
    if tally.ballots > members:
        raise InvalidInputError("TALLY_EXCEEDS_MEMBERS", f"{tally} > {members} members")
    t = tally
    detail = f"yes {t.yes}, no {t.no}, abstain {t.abstain}; {members} members"
    decisive_tie = (
        t.yes == t.no
        and t.yes > 0
        and _carried(t.yes + 1, t.no, t.abstain, rule, members)
        != _carried(t.yes, t.no + 1, t.abstain, rule, members)
    )
    if casting_vote is not None and not (decisive_tie and rule.casting_vote):
        raise InvalidInputError("CASTING_VOTE_NOT_ALLOWED", detail)
    if decisive_tie and not rule.casting_vote:
        return MajorityDecision(
            False, False, "TIE_NO_CASTING_VOTE", rule.source, detail
        )
    if decisive_tie and casting_vote is None:
        return MajorityDecision(
            None, True, "TIE_NEEDS_CASTING_VOTE", rule.source, detail
        )
    if decisive_tie:
        detail += f"; casting vote {casting_vote}"
        carried = casting_vote == "yes"
        return MajorityDecision(carried, False, "TIE_CASTING_VOTE", rule.source, detail)
    if t.yes + t.no + t.abstain == 0:
        return MajorityDecision(False, False, "NO_VOTES_CAST", rule.source, detail)
    carried = _carried(t.yes, t.no, t.abstain, rule, members)
    code = "CARRIED" if carried else "NOT_CARRIED"
    return MajorityDecision(carried, False, code, rule.source, detail)


@dataclass(frozen=True)
class ChoiceTally:
    counts: Mapping[str, int]
    ballots: int
    blank: int

    @property
    def selections(self) -> int:
        return sum(self.counts.values())


def tally_choices(
    options: Sequence[str], ballots: Iterable[Sequence[str]], max_choices: int = 1
) -> ChoiceTally:
    """Count a one-of-N or up-to-k-of-N poll; each ballot is checked before it counts
    (Decree s.9(2); APA s.82 one vote per member). An empty ballot is blank.
    Errors: ``BALLOT_UNKNOWN_OPTION``, ``BALLOT_TOO_MANY_CHOICES``,
    ``BALLOT_DUPLICATE_CHOICE``."""
    if len(set(options)) != len(options) or not 1 <= max_choices <= len(options):
        raise InvalidRuleError("POLL_INVALID", f"{len(options)} options, {max_choices}")
    counts = dict.fromkeys(options, 0)
    total = blank = 0
    for index, ballot in enumerate(ballots):
        unknown = [c for c in ballot if c not in counts]
        if unknown:
            raise InvalidBallotError(
                "BALLOT_UNKNOWN_OPTION", f"ballot {index}: {unknown}"
            )
        if len(ballot) > max_choices:
            raise InvalidBallotError("BALLOT_TOO_MANY_CHOICES", f"ballot {index}")
        if len(set(ballot)) != len(ballot):
            raise InvalidBallotError("BALLOT_DUPLICATE_CHOICE", f"ballot {index}")
        for choice in ballot:
            counts[choice] += 1
        total += 1
        blank += not ballot
    return ChoiceTally(MappingProxyType(counts), total, blank)
