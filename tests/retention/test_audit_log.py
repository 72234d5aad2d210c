"""The operators' audit log is append-only: the model refuses, and so does the database
(triggers on SQLite and PostgreSQL, like the evidence chain's); it is hash-chained, so
a change made with the triggers removed is found."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from prachum.retention import audit_log, selectors
from prachum.retention.models import AppendOnlyError, AuditLog

pytestmark = pytest.mark.django_db

TABLE = "retention_auditlog"


def _execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def entries(operator: Any) -> list[AuditLog]:
    with transaction.atomic():
        return [
            audit_log.record_audit(
                actor=operator,
                action="retention.test",
                target=f"test:{n}",
                payload={"n": n, "text": "บันทึก"},
            )
            for n in range(1, 5)
        ]


def test_entries_chain_from_the_genesis(entries: list[AuditLog]) -> None:
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[1].prev_hash == entries[0].hash
    report = selectors.check_audit_log()
    assert (report.ok, report.length, report.head) == (True, 4, entries[-1].hash)


def test_the_model_refuses_to_change_or_delete_an_entry(
    entries: list[AuditLog],
) -> None:
    entry = AuditLog.objects.get(pk=entries[1].pk)
    entry.action = "retention.nothing_happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditLog.objects.get(pk=entry.pk).action == "retention.test"
    assert AuditLog.objects.count() == 4


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET action = 'retention.nothing_happened' WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_raw_update_and_delete(
    entries: list[AuditLog], sql: str
) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        _execute(sql, [entries[1].pk])
    stored = AuditLog.objects.get(pk=entries[1].pk)
    assert (stored.action, stored.hash) == ("retention.test", entries[1].hash)
    assert selectors.check_audit_log().ok


def test_the_database_refuses_queryset_update_and_delete(
    entries: list[AuditLog],
) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.update(target="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.all().delete()
    assert AuditLog.objects.count() == 4
    assert selectors.check_audit_log().ok


def _drop_update_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER retention_auditlog_no_update")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"ALTER TABLE {TABLE} DISABLE TRIGGER retention_auditlog_no_change"
            )


def test_a_change_made_past_the_triggers_is_found_at_its_entry(
    entries: list[AuditLog],
) -> None:
    _drop_update_trigger()
    _execute(
        f"UPDATE {TABLE} SET target = 'test:forged' WHERE id = %s", [entries[2].pk]
    )
    report = selectors.check_audit_log()
    assert not report.ok
    assert report.problem is not None
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_HASH_MISMATCH")
