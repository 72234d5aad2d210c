"""Database triggers that refuse UPDATE and DELETE on an append-only table (R34, R70).

The model refuses too; the triggers also stop raw SQL and the admin's bulk actions.
They guard against application code and mistakes, not against a database owner, who
could drop them: the hash chain is what shows tampering (docs/adr/0005).

Migrations that already ran call :func:`append_only_triggers`, so the SQL it returns
must never change: a different rule is a new function and a new migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AppendOnlyTriggers:
    """The statements that add and drop the triggers, per database vendor."""

    sqlite_up: list[str]
    sqlite_down: list[str]
    postgres_up: list[str]
    postgres_down: list[str]

    def forwards(self, apps: Any, schema_editor: Any) -> None:
        """``RunPython`` code: add the triggers (nothing on other vendors)."""
        self._execute(schema_editor, self.sqlite_up, self.postgres_up)

    def backwards(self, apps: Any, schema_editor: Any) -> None:
        """``RunPython`` reverse code: drop them."""
        self._execute(schema_editor, self.sqlite_down, self.postgres_down)

    @staticmethod
    def _execute(schema_editor: Any, sqlite: list[str], postgres: list[str]) -> None:
        vendor = schema_editor.connection.vendor
        statements = {"sqlite": sqlite, "postgresql": postgres}.get(vendor, [])
        for sql in statements:
            schema_editor.execute(sql)


def append_only_triggers(
    *, table: str, name: str, message: str, head_exists: str
) -> AppendOnlyTriggers:
    """Triggers named ``<name>_...`` that refuse any change to ``table``'s rows.

    On SQLite a row may be deleted once ``head_exists`` (a ``SELECT`` over the chain's
    head row) finds nothing: Django's flush (tests) deletes the head first, then the
    rows. PostgreSQL's flush uses TRUNCATE, which row triggers do not see, so there the
    trigger refuses every UPDATE and DELETE.
    """
    return AppendOnlyTriggers(
        sqlite_up=[
            f"""CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {table}
       BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
            f"""CREATE TRIGGER {name}_no_delete BEFORE DELETE ON {table}
       WHEN EXISTS ({head_exists})
       BEGIN SELECT RAISE(ABORT, '{message}'); END;""",
        ],
        sqlite_down=[
            f"DROP TRIGGER IF EXISTS {name}_no_update;",
            f"DROP TRIGGER IF EXISTS {name}_no_delete;",
        ],
        postgres_up=[
            f"""CREATE OR REPLACE FUNCTION {name}_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql;""",
            f"""CREATE TRIGGER {name}_no_change BEFORE UPDATE OR DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION {name}_refuse();""",
        ],
        postgres_down=[
            f"DROP TRIGGER IF EXISTS {name}_no_change ON {table};",
            f"DROP FUNCTION IF EXISTS {name}_refuse();",
        ],
    )
