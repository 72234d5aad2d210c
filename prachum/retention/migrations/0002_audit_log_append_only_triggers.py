"""Database triggers that refuse UPDATE and DELETE on audit log entries (R70).

The same approach as evidence/0002: the model refuses too; the triggers also stop raw
SQL and the admin's bulk actions. They guard against application code and mistakes,
not against a database owner, who could drop them: the hash chain shows tampering.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER retention_auditlog_no_update BEFORE UPDATE ON retention_auditlog
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    # Django's flush (tests) must be able to empty the table: an entry can be deleted
    # only once the log's head row is gone (the root conftest deletes it first).
    """CREATE TRIGGER retention_auditlog_no_delete BEFORE DELETE ON retention_auditlog
       WHEN EXISTS (SELECT 1 FROM retention_auditloghead)
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS retention_auditlog_no_update;",
    "DROP TRIGGER IF EXISTS retention_auditlog_no_delete;",
]
# PostgreSQL's flush uses TRUNCATE, which row triggers do not see.
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION retention_auditlog_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER retention_auditlog_no_change BEFORE UPDATE OR DELETE ON retention_auditlog
       FOR EACH ROW EXECUTE FUNCTION retention_auditlog_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS retention_auditlog_no_change ON retention_auditlog;",
    "DROP FUNCTION IF EXISTS retention_auditlog_refuse();",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
