"""A lost ballot box (the process restarted mid-poll) voids the poll, never guesses
(ADR 0008 §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem
from prachum.voting import ballots, polls
from prachum.voting.crypto import keeper
from prachum.voting.models import (
    PendingSecretBallot,
    Poll,
    PollStatus,
    SecretBallot,
    VoteParticipation,
)
from tests.voting.conftest import refusal

pytestmark = pytest.mark.django_db


def _restart() -> None:
    keeper._boxes.clear()  # what a process restart does to the keys


def test_after_a_restart_ballots_are_refused_and_nothing_is_written(
    secret_item: AgendaItem, make_poll: Callable[..., Poll], voters: list[Any]
) -> None:
    poll = make_poll(secret_item)
    ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    _restart()
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice="no")
    assert refusal(excinfo) == "BALLOT_BOX_UNAVAILABLE"
    assert VoteParticipation.objects.filter(poll=poll).count() == 1
    assert PendingSecretBallot.objects.filter(poll=poll).count() == 1


def test_closing_a_poll_whose_box_was_lost_voids_it_and_a_new_poll_can_run(
    secret_item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(secret_item)
    ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="no")
    _restart()
    poll = polls.close_poll(actor=chair, poll=poll)
    assert (poll.status, poll.outcome) == (PollStatus.VOIDED, "BALLOT_BOX_LOST")
    assert poll.outcome_detail == "2 sealed ballot(s) could not be opened"
    assert poll.tally is None
    assert poll.carried is None
    assert not PendingSecretBallot.objects.exists()
    assert not SecretBallot.objects.exists()
    assert VoteParticipation.objects.filter(poll=poll).count() == 2  # who tried
    event = list_events(chain_key=secret_item.meeting.chain_key).last()
    assert event.kind == "poll.voided"
    assert event.payload["result"]["outcome"] == "BALLOT_BOX_LOST"
    again = make_poll(secret_item)
    ballots.cast_ballot(voter=voters[0], poll=again, choice="yes")
    assert polls.close_poll(actor=chair, poll=again).carried is True


def test_a_ballot_box_opened_by_another_process_is_not_this_ones(
    secret_item: AgendaItem, make_poll: Callable[..., Poll], voters: list[Any]
) -> None:
    poll = make_poll(secret_item)
    keeper.open_box(poll_id=str(poll.pk), width=3)  # a different key, same poll
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    assert refusal(excinfo) == "BALLOT_BOX_UNAVAILABLE"
