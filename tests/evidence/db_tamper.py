"""What an operator with direct database access would have to run to alter evidence.

The append-only triggers must be removed first; these helpers do it the way the
migration ``evidence/0002`` names them, on SQLite and on PostgreSQL. Everything runs
inside the test's transaction and is rolled back with it.
"""

from __future__ import annotations

from django.db import connection

TABLE = "evidence_evidenceevent"


def drop_trigger(statement: str) -> None:
    """Remove the trigger that refuses ``statement`` ("UPDATE" or "DELETE")."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            name = {
                "UPDATE": "evidence_event_no_update",
                "DELETE": "evidence_event_no_delete",
            }[statement]
            cursor.execute(f"DROP TRIGGER {name}")
        elif connection.vendor == "postgresql":
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: rows inserted in
            # this transaction leave pending trigger events, which block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"ALTER TABLE {TABLE} DISABLE TRIGGER evidence_event_no_change"
            )
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(connection.vendor)


def stored_payload_text(event_id: int) -> str:
    """The payload column exactly as the database stores it (JSON text)."""
    cast = "payload::text" if connection.vendor == "postgresql" else "payload"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cast} FROM {TABLE} WHERE id = %s", [event_id])
        (text,) = cursor.fetchone()
    return text


def write_payload_text(event_id: int, text: str) -> None:
    value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = {value} WHERE id = %s", [text, event_id]
        )


def delete_row(event_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event_id])
