from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.db import transaction

from prachum.domain.hashchain import GENESIS_HASH, event_hash
from prachum.evidence.models import EvidenceChain, EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.evidence.services import append_event

CHAIN = "committee:test-chain"


def _append(n: int, *, actor=None, chain_key: str = CHAIN) -> list[EvidenceEvent]:
    with transaction.atomic():
        return [
            append_event(
                chain_key=chain_key,
                kind="test.recorded",
                actor=actor,
                payload={
                    "n": i,
                    "note": "approved",
                    "thai": "มติที่ประชุม",
                    "baht": "1500.00",
                },
            )
            for i in range(1, n + 1)
        ]


def test_append_event_outside_a_transaction_is_refused():
    # No django_db mark: no test transaction wraps this call (a view without atomic).
    with pytest.raises(RuntimeError, match="inside the transaction"):
        append_event(chain_key=CHAIN, kind="test.recorded", actor=None, payload={})


@pytest.mark.django_db
def test_a_chain_of_several_events_links_and_verifies(secretary):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)):
        events = _append(4, actor=secretary)

    stored = list(list_events(chain_key=CHAIN))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    for event in stored:
        assert event.hash == event_hash(event.prev_hash, event.body())
        assert event.actor == secretary
        assert event.actor_label == f"user:{secretary.pk}"
    assert [e.hash for e in stored] == [e.hash for e in events]

    chain = EvidenceChain.objects.get(key=CHAIN)
    assert (chain.length, chain.head_hash) == (4, stored[-1].hash)
    report = check_chain(chain_key=CHAIN)
    assert report.ok
    assert (report.length, report.head, report.problem) == (4, stored[-1].hash, None)


@pytest.mark.django_db
def test_system_events_carry_no_actor_and_chains_are_independent():
    _append(2, chain_key="meeting:a")
    _append(3, chain_key="meeting:b")

    first = EvidenceEvent.objects.get(chain__key="meeting:a", seq=1)
    assert (first.actor, first.actor_label) == (None, "system")
    assert EvidenceChain.objects.get(key="meeting:a").length == 2
    assert EvidenceChain.objects.get(key="meeting:b").length == 3
    assert check_chain(chain_key="meeting:a").ok
    assert check_chain(chain_key="meeting:b").ok


@pytest.mark.django_db
def test_an_event_rolled_back_with_its_change_leaves_no_trace():
    _append(1)

    def change_that_fails() -> None:
        with transaction.atomic():
            append_event(chain_key=CHAIN, kind="test.recorded", actor=None, payload={})
            raise ZeroDivisionError  # the change fails after its event was appended

    with pytest.raises(ZeroDivisionError):
        change_that_fails()

    assert EvidenceEvent.objects.filter(chain__key=CHAIN).count() == 1
    assert EvidenceChain.objects.get(key=CHAIN).length == 1
    assert check_chain(chain_key=CHAIN).ok
