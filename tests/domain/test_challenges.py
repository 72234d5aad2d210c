"""Challenges (APA ss.13-17; R75): a ground and facts are required; s.13 goes to the
chair, s.16 to the member; the member continues only with two thirds of the
unchallenged members (s.15 para 3 [I])."""

from fractions import Fraction

import pytest

from prachum.domain.challenges import check_challenge, decide_challenge
from prachum.domain.errors import DomainError


@pytest.mark.parametrize(
    ("ground", "addressee"),
    [(f"s13_{n}", "chair") for n in range(1, 7)] + [("s16", "member")],
)
def test_s13_goes_to_the_chair_s16_to_the_member(ground, addressee):
    assert check_challenge(ground=ground, facts="เป็นญาติของผู้ยื่นคำขอ") == addressee


@pytest.mark.parametrize(
    ("ground", "facts", "code"),
    [
        ("", "ข้อเท็จจริง", "CHALLENGE_GROUND_MISSING"),
        ("s13_3", "   ", "CHALLENGE_FACTS_MISSING"),
        ("s99", "ข้อเท็จจริง", "CHALLENGE_GROUND_UNKNOWN"),
    ],
)
def test_a_challenge_without_ground_or_facts_is_refused(ground, facts, code):
    with pytest.raises(DomainError) as exc:
        check_challenge(ground=ground, facts=facts)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("unchallenged", "keep", "remove", "abstain", "upheld", "required"),
    [
        (8, 6, 2, 0, False, 6),  # 2/3 of 8 is 5.33 -> 6: continues
        (8, 5, 3, 0, True, 6),  # one short: upheld, the member leaves
        (9, 6, 0, 3, False, 6),
        (9, 5, 0, 0, True, 6),
        (1, 1, 0, 0, False, 1),
        (0, 0, 0, 0, True, 1),  # nobody left to let them continue
    ],
)
def test_two_thirds_of_the_unchallenged_let_the_member_continue(
    unchallenged, keep, remove, abstain, upheld, required
):
    decision = decide_challenge(
        unchallenged=unchallenged,
        votes_continue=keep,
        votes_remove=remove,
        abstentions=abstain,
    )
    assert (decision.upheld, decision.required_to_continue) == (upheld, required)
    assert decision.reason.code == (
        "CHALLENGE_UPHELD" if upheld else "CHALLENGE_REJECTED"
    )
    assert "s.15" in decision.reason.clause


def test_a_body_may_set_another_share():
    decision = decide_challenge(
        unchallenged=8, votes_continue=5, votes_remove=3, fraction=Fraction(1, 2)
    )
    assert (decision.upheld, decision.required_to_continue) == (False, 4)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"fraction": Fraction(0)}, "CHALLENGE_FRACTION_OUT_OF_RANGE"),
        ({"fraction": Fraction(3, 2)}, "CHALLENGE_FRACTION_OUT_OF_RANGE"),
        ({"votes_remove": -1}, "CHALLENGE_TALLY_NEGATIVE"),
        ({"votes_continue": 7, "votes_remove": 2}, "CHALLENGE_TALLY_EXCEEDS_MEMBERS"),
    ],
)
def test_bad_tallies_and_rules_are_refused(kwargs, code):
    args = {"unchallenged": 8, "votes_continue": 1, "votes_remove": 1} | kwargs
    with pytest.raises(DomainError) as exc:
        decide_challenge(**args)
    assert exc.value.code == code
