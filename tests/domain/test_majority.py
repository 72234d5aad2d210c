"""Resolutions (APA s.82 [I]; R29, R30) and multi-choice polls (Decree s.9(2))."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prachum.domain.errors import DomainError
from prachum.domain.majority import MajorityRule, Tally, decide, tally, tally_choices

SIMPLE = MajorityRule()
TWO_THIRDS = Fraction(2, 3)


def test_a_4_4_tie_waits_for_the_chairs_casting_vote():  # R29
    first = decide(tally=Tally(4, 4), rule=SIMPLE, members=9)
    assert (first.carried, first.needs_casting_vote, first.code) == (
        None,
        True,
        "TIE_NEEDS_CASTING_VOTE",
    )
    for casting_vote, carried in (("yes", True), ("no", False)):
        second = decide(
            tally=Tally(4, 4), rule=SIMPLE, members=9, casting_vote=casting_vote
        )
        assert (second.carried, second.needs_casting_vote) == (carried, False)
        assert second.code == "TIE_CASTING_VOTE"
        assert f"casting vote {casting_vote}" in second.detail


def test_a_4_4_tie_without_casting_vote_does_not_carry():
    result = decide(tally=Tally(4, 4), rule=MajorityRule(casting_vote=False), members=9)
    assert (result.carried, result.needs_casting_vote, result.code) == (
        False,
        False,
        "TIE_NO_CASTING_VOTE",
    )


@pytest.mark.parametrize(
    ("rule", "casting_vote", "votes"),
    [
        (SIMPLE, "yes", Tally(5, 3)),  # no tie to break
        (MajorityRule(casting_vote=False), "yes", Tally(4, 4)),  # body has none
        (
            MajorityRule(abstentions="count_as_cast"),
            "yes",
            Tally(4, 4, 1),
        ),  # not decisive
    ],
)
def test_a_casting_vote_is_refused_where_the_law_gives_none(rule, casting_vote, votes):
    with pytest.raises(DomainError) as err:
        decide(tally=votes, rule=rule, members=9, casting_vote=casting_vote)
    assert err.value.code == "CASTING_VOTE_NOT_ALLOWED"


ABSOLUTE = MajorityRule("absolute_of_members")
OF_MEMBERS = MajorityRule("qualified_of_members", TWO_THIRDS)
OF_CAST = MajorityRule("qualified_of_cast", TWO_THIRDS)


def counted(rule):
    return MajorityRule(rule.kind, rule.fraction, "count_as_cast")


@pytest.mark.parametrize(
    ("rule", "votes", "members", "code"),
    [
        # simple majority of votes cast: abstentions left out -> 5 > 4
        (SIMPLE, Tally(5, 4, 3), 12, "CARRIED"),
        # ... or counted as cast: 5 is not more than half of 12
        (counted(SIMPLE), Tally(5, 4, 3), 12, "NOT_CARRIED"),
        (counted(SIMPLE), Tally(7, 4, 1), 12, "CARRIED"),
        (SIMPLE, Tally(4, 4, 1), 9, "TIE_NEEDS_CASTING_VOTE"),
        (counted(SIMPLE), Tally(4, 4, 1), 9, "NOT_CARRIED"),  # 5 of 10 is not > half
        (SIMPLE, Tally(0, 0, 3), 9, "NOT_CARRIED"),  # all abstain
        (SIMPLE, Tally(0, 0, 0), 9, "NO_VOTES_CAST"),
        # absolute majority of members: abstentions weigh like absences
        (ABSOLUTE, Tally(6, 2, 4), 12, "NOT_CARRIED"),  # 6 is not more than 12/2
        (ABSOLUTE, Tally(7, 1, 4), 12, "CARRIED"),
        (counted(ABSOLUTE), Tally(7, 1, 4), 12, "CARRIED"),
        (ABSOLUTE, Tally(4, 4), 9, "TIE_NEEDS_CASTING_VOTE"),  # 5 of 9 with the vote
        (ABSOLUTE, Tally(3, 3), 10, "NOT_CARRIED"),  # 4 of 10 even with it
        # two thirds of members
        (OF_MEMBERS, Tally(8, 0, 4), 12, "CARRIED"),
        (OF_MEMBERS, Tally(7, 0, 5), 12, "NOT_CARRIED"),
        (counted(OF_MEMBERS), Tally(8, 0, 4), 12, "CARRIED"),
        # two thirds of votes cast
        (OF_CAST, Tally(6, 3, 3), 12, "CARRIED"),  # 6 of 9
        (counted(OF_CAST), Tally(6, 3, 3), 12, "NOT_CARRIED"),  # 6 of 12
        (OF_CAST, Tally(5, 3), 12, "NOT_CARRIED"),
        (OF_CAST, Tally(0, 0, 2), 12, "NOT_CARRIED"),  # nothing cast
        (OF_CAST, Tally(4, 4), 8, "NOT_CARRIED"),  # 5 of 9 < 2/3: no casting vote
    ],
)
def test_abstentions_under_each_majority_kind(rule, votes, members, code):
    result = decide(tally=votes, rule=rule, members=members)
    assert result.code == code
    assert result.carried is {"CARRIED": True, "TIE_NEEDS_CASTING_VOTE": None}.get(
        code, False
    )
    assert result.clause == rule.source


def test_more_ballots_than_members_is_an_error():
    with pytest.raises(DomainError) as err:
        decide(tally=Tally(5, 5), rule=SIMPLE, members=9)
    assert err.value.code == "TALLY_EXCEEDS_MEMBERS"


def test_negative_counts_are_refused():
    with pytest.raises(DomainError) as err:
        Tally(1, -1)
    assert err.value.code == "NEGATIVE_COUNT"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "qualified_of_members"}, "MAJORITY_FRACTION_MISMATCH"),
        (
            {"kind": "simple_of_cast", "fraction": TWO_THIRDS},
            "MAJORITY_FRACTION_MISMATCH",
        ),
        (
            {"kind": "qualified_of_cast", "fraction": Fraction(3, 2)},
            "MAJORITY_FRACTION_OUT_OF_RANGE",
        ),
        (
            {"kind": "qualified_of_cast", "fraction": Fraction(0)},
            "MAJORITY_FRACTION_OUT_OF_RANGE",
        ),
    ],
)
def test_invalid_majority_rules_are_refused(kwargs, code):
    with pytest.raises(DomainError) as err:
        MajorityRule(**kwargs)
    assert err.value.code == code


def test_tally_counts_yes_no_abstain():
    assert tally(["yes", "no", "yes", "abstain", "yes"]) == Tally(3, 1, 1)
    assert tally([]) == Tally(0, 0, 0)


def test_tally_refuses_an_unknown_choice():
    with pytest.raises(DomainError) as err:
        tally(["yes", "maybe"])
    assert err.value.code == "BALLOT_UNKNOWN_OPTION"
    assert "ballot 1" in err.value.detail


def test_one_of_n_poll():
    result = tally_choices(["a", "b", "c"], [["a"], ["b"], ["a"], []])
    assert dict(result.counts) == {"a": 2, "b": 1, "c": 0}
    assert (result.ballots, result.blank, result.selections) == (4, 1, 3)


def test_up_to_k_of_n_poll():
    result = tally_choices(
        ["a", "b", "c"], [["a", "b"], ["c"], ["b", "c"]], max_choices=2
    )
    assert dict(result.counts) == {"a": 1, "b": 2, "c": 2}
    assert list(result.counts) == ["a", "b", "c"]  # in the order of the options


@pytest.mark.parametrize(
    ("ballot", "code"),
    [
        (["z"], "BALLOT_UNKNOWN_OPTION"),
        (["a", "b", "c"], "BALLOT_TOO_MANY_CHOICES"),
        (["a", "a"], "BALLOT_DUPLICATE_CHOICE"),
    ],
)
def test_invalid_ballots_are_refused_with_a_code(ballot, code):
    with pytest.raises(DomainError) as err:
        tally_choices(["a", "b", "c"], [["a"], ballot], max_choices=2)
    assert err.value.code == code
    assert "ballot 1" in err.value.detail


@pytest.mark.parametrize(
    ("options", "max_choices"), [(["a", "a"], 1), (["a", "b"], 0), (["a", "b"], 3)]
)
def test_invalid_polls_are_refused(options, max_choices):
    with pytest.raises(DomainError) as err:
        tally_choices(options, [], max_choices=max_choices)
    assert err.value.code == "POLL_INVALID"


# Properties ------------------------------------------------------------------------


@given(st.lists(st.sampled_from(["yes", "no", "abstain"])))
def test_tally_conserves_ballots(choices):
    result = tally(choices)
    assert result.ballots == len(choices)
    assert result.yes == choices.count("yes")


@st.composite
def polls(draw):
    options = draw(
        st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=6, unique=True)
    )
    k = draw(st.integers(1, len(options)))
    ballot = st.lists(st.sampled_from(options), max_size=k, unique=True)
    return options, k, draw(st.lists(ballot, max_size=40))


@given(polls())
def test_choice_tallies_conserve_selections(poll):
    options, k, ballots = poll
    result = tally_choices(options, ballots, max_choices=k)
    assert result.selections == sum(len(b) for b in ballots)
    assert result.ballots == len(ballots)
    assert result.blank == sum(1 for b in ballots if not b)


@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
def test_an_extra_abstention_never_changes_a_simple_majority(yes, no, abstain):
    members = yes + no + abstain + 1
    before = decide(tally=Tally(yes, no, abstain), rule=SIMPLE, members=members)
    after = decide(tally=Tally(yes, no, abstain + 1), rule=SIMPLE, members=members)
    if before.code != "NO_VOTES_CAST":
        assert after.code == before.code
