"""The legal record is append-only: the model refuses, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from prachum.evidence.models import AppendOnlyError, EvidenceChain, EvidenceEvent
from prachum.evidence.selectors import check_chain
from prachum.evidence.services import append_event
from tests.evidence import db_tamper

CHAIN = "meeting:tamper-test"


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def events(db):
    with transaction.atomic():
        return [
            append_event(
                chain_key=CHAIN,
                kind="vote.closed",
                actor=None,
                payload={"n": i, "result": "approved", "yes": 5, "no": 1},
            )
            for i in range(1, 5)
        ]


def test_the_model_refuses_to_save_an_existing_event(events):
    event = EvidenceEvent.objects.get(pk=events[1].pk)
    event.payload = {**event.payload, "result": "rejected"}
    with pytest.raises(AppendOnlyError):
        event.save()
    assert EvidenceEvent.objects.get(pk=event.pk).payload["result"] == "approved"
    assert check_chain(chain_key=CHAIN).ok


def test_the_model_refuses_to_delete_an_event(events):
    with pytest.raises(AppendOnlyError):
        EvidenceEvent.objects.get(pk=events[-1].pk).delete()
    assert EvidenceEvent.objects.filter(chain__key=CHAIN).count() == 4


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evidence_evidenceevent SET kind = 'vote.cancelled' WHERE id = %s",
        "DELETE FROM evidence_evidenceevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_raw_update_and_delete(events, sql):
    target = events[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute(sql, [target.pk])

    stored = EvidenceEvent.objects.get(pk=target.pk)
    assert (stored.kind, stored.hash) == ("vote.closed", target.hash)
    assert EvidenceEvent.objects.filter(chain__key=CHAIN).count() == 4
    assert check_chain(chain_key=CHAIN).ok


def test_the_database_refuses_queryset_update_and_delete(events):
    with pytest.raises(DatabaseError), transaction.atomic():
        EvidenceEvent.objects.filter(chain__key=CHAIN).update(kind="vote.cancelled")
    with pytest.raises(DatabaseError), transaction.atomic():
        EvidenceEvent.objects.filter(chain__key=CHAIN).delete()
    assert set(EvidenceEvent.objects.values_list("kind", flat=True)) == {"vote.closed"}
    assert EvidenceEvent.objects.filter(chain__key=CHAIN).count() == 4


def test_one_changed_byte_in_a_payload_is_reported_at_that_event(events):
    target = events[2]  # seq 3
    db_tamper.drop_trigger("UPDATE")
    before = db_tamper.stored_payload_text(target.pk)
    after = before.replace("approved", "approvee")
    assert len(after) == len(before)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    db_tamper.write_payload_text(target.pk, after)
    assert EvidenceEvent.objects.get(pk=target.pk).payload["result"] == "approvee"

    report = check_chain(chain_key=CHAIN)

    assert not report.ok
    assert report.problem is not None
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_HASH_MISMATCH")


def test_deleting_the_last_event_is_caught_by_the_chain_head(events):
    db_tamper.drop_trigger("DELETE")
    db_tamper.delete_row(events[-1].pk)
    assert EvidenceEvent.objects.filter(chain__key=CHAIN).count() == 3

    report = check_chain(chain_key=CHAIN)

    assert not report.ok
    assert report.problem is not None
    assert (report.problem.seq, report.problem.code) == (4, "CHAIN_HEAD_MISMATCH")
    assert EvidenceChain.objects.get(key=CHAIN).length == 4


def test_deleting_an_event_in_the_middle_is_caught_as_a_gap(events):
    db_tamper.drop_trigger("DELETE")
    db_tamper.delete_row(events[1].pk)

    report = check_chain(chain_key=CHAIN)

    assert not report.ok
    assert report.problem is not None
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_SEQ_GAP")
