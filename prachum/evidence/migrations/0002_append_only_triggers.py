"""Database triggers that refuse UPDATE and DELETE on evidence events (R34).

The model refuses too; the triggers also stop raw SQL and the admin's bulk actions.
They guard against application code and mistakes, not against a database owner, who
could drop them: the hash chain is what shows tampering (docs/adr/0005).
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER evidence_event_no_update BEFORE UPDATE ON evidence_evidenceevent
       BEGIN SELECT RAISE(ABORT, 'evidence events are append-only'); END;""",
    # Django's flush (tests) deletes the chain heads first, then the events; an event
    # whose chain head still exists can never be deleted.
    """CREATE TRIGGER evidence_event_no_delete BEFORE DELETE ON evidence_evidenceevent
       WHEN EXISTS (SELECT 1 FROM evidence_evidencechain WHERE id = OLD.chain_id)
       BEGIN SELECT RAISE(ABORT, 'evidence events are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_event_no_update;",
    "DROP TRIGGER IF EXISTS evidence_event_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION evidence_event_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'evidence events are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER evidence_event_no_change BEFORE UPDATE OR DELETE ON evidence_evidenceevent
       FOR EACH ROW EXECUTE FUNCTION evidence_event_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_event_no_change ON evidence_evidenceevent;",
    "DROP FUNCTION IF EXISTS evidence_event_refuse();",
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
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
