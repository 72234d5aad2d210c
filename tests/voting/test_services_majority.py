"""Majority, ties and the chair's casting vote through the services (APA s.82; R29)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import ballots, item_record, polls, selectors
from prachum.voting.models import CastingVote, CommitteeVotingRule, Poll, PollStatus
from tests.voting.conftest import option_ids, refusal

pytestmark = pytest.mark.django_db


def _vote(poll: Poll, voters: list[Any], choices: list[Any]) -> None:
    for voter, choice in zip(voters, choices, strict=False):
        ballots.cast_ballot(voter=voter, poll=poll, choice=choice)


@pytest.mark.parametrize("secret", [False, True])
@pytest.mark.parametrize(
    ("choices", "outcome", "carried"),
    [
        (["yes", "yes", "yes", "no", "no", "abstain"], "CARRIED", True),
        (["yes", "yes", "no", "no", "no", "abstain"], "NOT_CARRIED", False),
        (["yes", "abstain", "abstain", "abstain"], "CARRIED", True),
        ([], "NO_VOTES_CAST", False),
    ],
)
def test_a_simple_majority_of_votes_cast_decides(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    choices: list[str],
    outcome: str,
    carried: bool,
    secret: bool,
) -> None:
    poll = make_poll(item, secret=secret)
    _vote(poll, voters, choices)
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.status, poll.outcome, poll.carried) == (
        PollStatus.CLOSED,
        outcome,
        carried,
    )
    assert poll.ballots_cast == len(choices)
    assert poll.outcome_clause == "APA B.E. 2539 s.82"


@pytest.mark.parametrize("secret", [False, True])
def test_a_tie_waits_for_the_chairs_casting_vote_recorded_separately(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    secret: bool,
) -> None:
    poll = make_poll(item, secret=secret)
    _vote(poll, voters, ["yes", "no", "yes", "no", "yes", "no"])
    poll = polls.close_poll(actor=chair, poll=poll)
    assert poll.status == PollStatus.AWAITING_CASTING_VOTE
    assert poll.outcome == "TIE_NEEDS_CASTING_VOTE"
    assert poll.carried is None
    assert selectors.live_poll(meeting=room) == poll
    poll = polls.cast_deciding_vote(actor=chair, poll=poll, choice="yes")
    assert (poll.status, poll.outcome, poll.carried) == (
        PollStatus.CLOSED,
        "TIE_CASTING_VOTE",
        True,
    )
    assert poll.tally == {"yes": 3, "no": 3, "abstain": 0}
    casting = CastingVote.objects.get(poll=poll)
    assert (casting.chair, casting.choice) == (chair, ["yes"])
    kinds = [e.kind for e in list_events(chain_key=room.chain_key)][-2:]
    assert kinds == ["poll.closed", "poll.casting_vote"]
    assert selectors.poll_dict(poll)["result"]["casting_vote"]["choice"] == ["yes"]
    assert selectors.live_poll(meeting=room) is None


def test_only_the_chair_casts_the_deciding_vote_and_only_on_a_tie(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    secretary: Any,
) -> None:
    poll = make_poll(item)
    _vote(poll, voters, ["yes", "no"])
    with pytest.raises(ServiceError) as excinfo:
        polls.cast_deciding_vote(actor=chair, poll=poll, choice="yes")
    assert refusal(excinfo) == "NO_CASTING_VOTE_NEEDED"
    poll = polls.close_poll(actor=chair, poll=poll)
    for actor, choice, code in [
        (secretary, "yes", "CHAIR_ONLY"),
        (voters[1], "yes", "CHAIR_ONLY"),
        (chair, "abstain", "INVALID_CHOICE"),
        (chair, ["yes"], "INVALID_CHOICE"),
    ]:
        with pytest.raises(ServiceError) as excinfo:
            polls.cast_deciding_vote(actor=actor, poll=poll, choice=choice)
        assert refusal(excinfo) == code
    assert not CastingVote.objects.exists()
    polls.cast_deciding_vote(actor=chair, poll=poll, choice="no")
    with pytest.raises(ServiceError) as excinfo:
        polls.cast_deciding_vote(actor=chair, poll=poll, choice="yes")
    assert refusal(excinfo) == "NO_CASTING_VOTE_NEEDED"


def test_without_a_casting_vote_a_tie_is_not_carried_with_the_reason(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    CommitteeVotingRule.objects.create(
        committee=room.committee, casting_vote=False, source="ระเบียบคณะกรรมการ ข้อ 9"
    )
    poll = make_poll(item)
    _vote(poll, voters, ["yes", "no", "yes", "no"])
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.status, poll.outcome, poll.carried) == (
        PollStatus.CLOSED,
        "TIE_NO_CASTING_VOTE",
        False,
    )
    assert poll.outcome_clause == "ระเบียบคณะกรรมการ ข้อ 9"


def test_a_two_thirds_rule_of_the_body_applies_and_is_frozen_at_opening(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    rule = CommitteeVotingRule.objects.create(
        committee=room.committee,
        majority_kind="qualified_of_cast",
        fraction_numerator=2,
        fraction_denominator=3,
    )
    poll = make_poll(item)
    assert poll.rule["fraction"] == "2/3"
    rule.majority_kind = "simple_of_cast"  # changed mid-poll: does not apply
    rule.fraction_numerator = rule.fraction_denominator = None
    rule.save()
    _vote(poll, voters, ["yes", "yes", "yes", "no", "no"])  # 3/5 < 2/3
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.outcome, poll.carried) == ("NOT_CARRIED", False)


def test_abstentions_count_as_cast_when_the_body_says_so(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    CommitteeVotingRule.objects.create(
        committee=room.committee, abstentions="count_as_cast"
    )
    poll = make_poll(item)
    _vote(poll, voters, ["yes", "yes", "no", "abstain"])
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.outcome, poll.carried) == ("NOT_CARRIED", False)


def test_an_absolute_majority_uses_the_items_base_after_recusal(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    CommitteeVotingRule.objects.create(
        committee=room.committee, majority_kind="absolute_of_members"
    )
    item_record.record_recusal(actor=chair, item=item, member=voters[7], ground="s16")
    poll = make_poll(item)
    assert poll.base_members == 7
    _vote(poll, voters, ["yes", "yes", "yes", "yes", "no"])  # 4 > 7/2
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.outcome, poll.carried) == ("CARRIED", True)


# --- one of N, up to k of N ---------------------------------------------------------------


@pytest.mark.parametrize("secret", [False, True])
def test_one_of_n_chooses_the_option_with_most_votes(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    secret: bool,
) -> None:
    poll = make_poll(
        item, kind="one_of_n", options=["นาย ก", "นาง ข", "นางสาว ค"], secret=secret
    )
    a, b, c = option_ids(poll)
    _vote(poll, voters, [[a], [b], [b], [c], [b], []])
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.status, poll.outcome, poll.winners) == (
        PollStatus.CLOSED,
        "CHOSEN",
        [b],
    )
    assert poll.tally == {"counts": {a: 1, b: 3, c: 1}, "ballots": 6, "blank": 1}


def test_up_to_k_of_n_elects_k_and_a_tie_for_the_last_seat_takes_a_casting_vote(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(
        item,
        kind="up_to_k_of_n",
        options=["ก", "ข", "ค", "ง"],
        max_choices=2,
        secret=True,
    )
    a, b, c, d = option_ids(poll)
    _vote(poll, voters, [[a, b], [a, c], [a, d], [b], [c], [d]])
    poll = polls.close_poll(actor=chair, poll=poll)
    assert poll.status == PollStatus.AWAITING_CASTING_VOTE
    assert (poll.winners, poll.tied) == ([a], [b, c, d])
    with pytest.raises(ServiceError) as excinfo:
        polls.cast_deciding_vote(actor=chair, poll=poll, choice=[a])
    assert refusal(excinfo) == "INVALID_CHOICE"
    with pytest.raises(ServiceError) as excinfo:
        polls.cast_deciding_vote(actor=chair, poll=poll, choice="yes")
    assert refusal(excinfo) == "INVALID_CHOICE"
    poll = polls.cast_deciding_vote(actor=chair, poll=poll, choice=[c])
    assert (poll.status, poll.outcome, poll.winners) == (
        PollStatus.CLOSED,
        "TIE_CASTING_VOTE",
        [a, c],
    )
