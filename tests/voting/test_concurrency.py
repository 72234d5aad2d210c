"""Exactly once under concurrency, on PostgreSQL (row locks and constraints behave
truthfully only there; deselected on SQLite by ``conftest.py``)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain
from prachum.meetings.models import Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.room.facts import current_item
from prachum.voting import ballots, polls
from prachum.voting.models import (
    PendingSecretBallot,
    Poll,
    PollStatus,
    SecretBallot,
    VoteParticipation,
)
from tests.voting.conftest import option_ids, run_in_threads, seat_voters

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def big_room(notified_meeting: Meeting, chair: Any) -> Callable[[int], list[Any]]:
    def run(count: int) -> list[Any]:
        people = seat_voters(notified_meeting, count)
        room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)
        return people

    return run


@pytest.mark.parametrize("secret", [False, True])
def test_fifty_submissions_of_one_voters_ballot_count_once(
    big_room: Callable[[int], list[Any]],
    notified_meeting: Meeting,
    make_poll: Callable[..., Poll],
    secret: bool,
) -> None:
    [voter, *_] = big_room(8)
    item = current_item(meeting=notified_meeting)
    poll = make_poll(item, secret=secret)
    events_before = EvidenceEvent.objects.count()
    outcomes = run_in_threads(
        lambda choice: ballots.cast_ballot(voter=voter, poll=poll, choice=choice),
        ["yes" if i % 2 else "no" for i in range(50)],
        workers=50,
    )
    errors = [e for _, e in outcomes if e is not None]
    assert len(errors) == 49
    assert {getattr(e, "code", repr(e)) for e in errors} == {"ALREADY_VOTED"}
    assert VoteParticipation.objects.filter(poll=poll).count() == 1
    stored = (
        PendingSecretBallot.objects.filter(poll=poll).count()
        if secret
        else poll.open_ballots.count()
    )
    assert stored == 1
    assert EvidenceEvent.objects.count() == events_before  # ballots go in at the close
    assert check_chain(chain_key=notified_meeting.chain_key).ok


def test_a_thousand_voters_at_once_tally_to_exactly_the_ballots_sent(
    big_room: Callable[[int], list[Any]],
    notified_meeting: Meeting,
    make_poll: Callable[..., Poll],
    chair: Any,
) -> None:
    people = big_room(1000)
    item = current_item(meeting=notified_meeting)
    poll = make_poll(item, kind="one_of_n", options=["ก", "ข", "ค", "ง"], secret=True)
    ids = option_ids(poll)
    rng = random.Random(1000)
    sent = {p.pk: [rng.choice(ids)] for p in people}
    outcomes = run_in_threads(
        lambda p: ballots.cast_ballot(voter=p, poll=poll, choice=sent[p.pk]),
        people,
        workers=32,
    )
    assert [e for _, e in outcomes if e is not None] == []
    poll = polls.close_poll(actor=chair, poll=poll)
    expected = Counter(c[0] for c in sent.values())
    assert poll.ballots_cast == 1000
    assert poll.tally["counts"] == {i: expected[i] for i in ids}
    assert SecretBallot.objects.filter(poll=poll).count() == 1000
    assert not PendingSecretBallot.objects.exists()
    assert check_chain(chain_key=notified_meeting.chain_key).ok


def test_closing_while_ballots_arrive_loses_none_and_counts_none_twice(
    big_room: Callable[[int], list[Any]],
    notified_meeting: Meeting,
    make_poll: Callable[..., Poll],
    chair: Any,
) -> None:
    """Every ballot either committed before the close (and is counted) or is refused
    with ``POLL_NOT_OPEN``: the close waits for ballots holding the poll's share lock."""
    people = big_room(300)
    item = current_item(meeting=notified_meeting)
    poll = make_poll(item, secret=True)

    def task(person: Any) -> Any:
        if person is None:
            return polls.close_poll(actor=chair, poll=poll)
        return ballots.cast_ballot(voter=person, poll=poll, choice="yes")

    batch: list[Any] = [*people[:150], None, *people[150:]]
    outcomes = run_in_threads(task, batch, workers=16)
    close_error = outcomes[150][1]
    assert close_error is None
    accepted = sum(1 for (r, e), p in zip(outcomes, batch, strict=True) if p and not e)
    refused = [e for (_, e), p in zip(outcomes, batch, strict=True) if p and e]
    assert all(
        isinstance(e, ServiceError) and e.code == "POLL_NOT_OPEN" for e in refused
    )
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    assert (
        poll.ballots_cast
        == accepted
        == VoteParticipation.objects.filter(poll=poll).count()
    )
    assert poll.tally["yes"] == accepted
    assert SecretBallot.objects.filter(poll=poll).count() == accepted
    assert not PendingSecretBallot.objects.exists()
