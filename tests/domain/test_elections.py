"""Choosing among options: plurality, ties settled by the chair's casting vote."""

from __future__ import annotations

from fractions import Fraction

import pytest

from prachum.domain.elections import decide_choices
from prachum.domain.errors import InvalidInputError
from prachum.domain.majority import MajorityRule

APA = MajorityRule()
NO_CASTING = MajorityRule(casting_vote=False)


@pytest.mark.parametrize(
    ("counts", "seats", "code", "winners", "tied"),
    [
        ({"a": 3, "b": 2, "c": 0}, 1, "CHOSEN", ("a",), ()),
        ({"a": 3, "b": 2, "c": 1}, 2, "CHOSEN", ("a", "b"), ()),
        ({"a": 0, "b": 0}, 1, "NO_VOTES_CAST", (), ()),
        ({"a": 2, "b": 0, "c": 0}, 2, "CHOSEN", ("a",), ()),
        ({"a": 2, "b": 2, "c": 1}, 2, "CHOSEN", ("a", "b"), ()),
        ({"a": 2, "b": 2, "c": 1}, 1, "TIE_NEEDS_CASTING_VOTE", (), ("a", "b")),
        (
            {"a": 3, "b": 1, "c": 1, "d": 1},
            2,
            "TIE_NEEDS_CASTING_VOTE",
            ("a",),
            ("b", "c", "d"),
        ),
    ],
)
def test_plurality_and_ties(
    counts: dict[str, int],
    seats: int,
    code: str,
    winners: tuple[str, ...],
    tied: tuple[str, ...],
) -> None:
    decision = decide_choices(counts=counts, seats=seats, rule=APA)
    assert (decision.code, decision.winners, decision.tied) == (code, winners, tied)
    assert decision.needs_casting_vote is (code == "TIE_NEEDS_CASTING_VOTE")


def test_the_casting_vote_fills_the_open_seats_from_the_tied_options() -> None:
    counts = {"a": 3, "b": 1, "c": 1, "d": 1}
    decision = decide_choices(counts=counts, seats=2, rule=APA, casting=["c"])
    assert decision.code == "TIE_CASTING_VOTE"
    assert decision.winners == ("a", "c")
    assert "casting vote c" in decision.detail


@pytest.mark.parametrize("casting", [["a"], ["b", "c"], ["x"], ["b", "b"], []])
def test_a_casting_vote_outside_the_tie_is_refused(casting: list[str]) -> None:
    counts = {"a": 3, "b": 1, "c": 1, "d": 1}
    with pytest.raises(InvalidInputError, match="CASTING_VOTE_INVALID"):
        decide_choices(counts=counts, seats=2, rule=APA, casting=casting)


@pytest.mark.parametrize(
    ("counts", "seats", "rule"),
    [
        ({"a": 2, "b": 1}, 1, APA),
        ({"a": 0, "b": 0}, 1, APA),
        ({"a": 1, "b": 0}, 2, APA),
        ({"a": 2, "b": 2, "c": 2}, 3, APA),
        ({"a": 2, "b": 2}, 1, NO_CASTING),
    ],
)
def test_no_casting_vote_without_a_tie_it_can_settle(
    counts: dict[str, int], seats: int, rule: MajorityRule
) -> None:
    with pytest.raises(InvalidInputError, match="CASTING_VOTE_NOT_ALLOWED"):
        decide_choices(counts=counts, seats=seats, rule=rule, casting=["a"])


def test_without_a_casting_vote_the_tied_seat_stays_empty() -> None:
    decision = decide_choices(counts={"a": 2, "b": 2}, seats=1, rule=NO_CASTING)
    assert decision.code == "TIE_NO_CASTING_VOTE"
    assert decision.winners == ()
    assert decision.seats_open == 1


def test_seats_must_be_positive() -> None:
    with pytest.raises(InvalidInputError):
        decide_choices(counts={"a": 1}, seats=0, rule=APA)


def test_the_rule_source_is_cited() -> None:
    rule = MajorityRule(kind="qualified_of_cast", fraction=Fraction(2, 3), source="X")
    assert decide_choices(counts={"a": 1}, seats=1, rule=rule).clause == "X"
