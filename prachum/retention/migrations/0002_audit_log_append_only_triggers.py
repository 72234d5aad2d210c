"""Database triggers that refuse UPDATE and DELETE on audit log entries (R70).

The same approach as evidence/0002: the model refuses too; the triggers also stop raw
SQL and the admin's bulk actions. They guard against application code and mistakes,
not against a database owner, who could drop them: the hash chain shows tampering.
"""

from django.db import migrations

from prachum.core.append_only import append_only_triggers

# Django's flush (tests) must be able to empty the table: an entry can be deleted
# only once the log's head row is gone (the root conftest deletes it first).
TRIGGERS = append_only_triggers(
    table="retention_auditlog",
    name="retention_auditlog",
    message="the audit log is append-only",
    head_exists="SELECT 1 FROM retention_auditloghead",
)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(TRIGGERS.forwards, TRIGGERS.backwards)]
