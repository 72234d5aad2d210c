"""On PostgreSQL, let an evidence event be deleted once its chain head row is gone.

evidence/0002 gives SQLite that rule (an event can only be deleted after its chain
head is deleted) but makes PostgreSQL refuse every DELETE. Purging a meeting's record
at the end of its retention period (National Archives Act s.8, after the transfer
package is written) deletes the chain head and then its events in one transaction;
this gives PostgreSQL the same rule. UPDATE stays refused, and so does deleting an
event whose chain head exists.

This replaces the evidence app's trigger function; it belongs in the evidence app and
can move there (docs/adr/0010).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION evidence_event_refuse() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (
       SELECT 1 FROM evidence_evidencechain WHERE id = OLD.chain_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'evidence events are append-only';
END; $$ LANGUAGE plpgsql;
"""
POSTGRES_DOWN = """
CREATE OR REPLACE FUNCTION evidence_event_refuse() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'evidence events are append-only'; END; $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0003_default_policies"),
        ("evidence", "0002_append_only_triggers"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
