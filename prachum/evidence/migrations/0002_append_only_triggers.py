"""Database triggers that refuse UPDATE and DELETE on evidence events (R34).

The model refuses too; the triggers also stop raw SQL and the admin's bulk actions.
They guard against application code and mistakes, not against a database owner, who
could drop them: the hash chain is what shows tampering (docs/adr/0005).
"""

from django.db import migrations

from prachum.core.append_only import append_only_triggers

# Django's flush (tests) deletes the chain heads first, then the events; an event
# whose chain head still exists can never be deleted.
TRIGGERS = append_only_triggers(
    table="evidence_evidenceevent",
    name="evidence_event",
    message="evidence events are append-only",
    head_exists="SELECT 1 FROM evidence_evidencechain WHERE id = OLD.chain_id",
)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]
    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
