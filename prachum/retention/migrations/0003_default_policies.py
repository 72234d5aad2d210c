"""The default retention policies, until the agency enters its own schedule (R40, R69).

Periods are in days, rounded up so they are never shorter than the calendar years
they stand for (10 years = 3653 days, 2 years = 731 days). Sources and how sure each
one is: docs/adr/0010-retention-holds-and-purge.md.
"""

import datetime

from django.db import migrations

# The day the Emergency Decree on Electronic Meetings B.E. 2563 came into force.
EFFECTIVE_FROM = datetime.date(2020, 4, 19)

DEFAULTS = [
    (
        "traffic_data",
        90,
        "Computer-Related Crime Act B.E. 2550 s.26: not less than 90 days from entry "
        "into the system (the legal floor). Default: replace with the agency's "
        "retention schedule entry.",
    ),
    (
        "minutes_package",
        3653,
        "UNVERIFIED DEFAULT (10 years): the agency's retention schedule under the "
        "National Archives Act B.E. 2556 s.7 decides; Saraban Regulation clause 57 "
        "is believed to set at least 10 years for ordinary documents (not verified).",
    ),
    (
        "documents",
        3653,
        "UNVERIFIED DEFAULT (10 years): Saraban Regulation B.E. 2526 clause 57, "
        "ordinary documents at least 10 years (not verified); Decree s.8 keeps the "
        "papers with the meeting's evidence.",
    ),
    (
        "login_audit",
        731,
        "Default (2 years): the longest period a Computer-Related Crime Act s.26 order "
        "may require (reported after the B.E. 2560 amendment, not verified); s.26 "
        "para 2 itself asks for 90 days after the service ends.",
    ),
]


def forwards(apps, schema_editor):
    RetentionPolicy = apps.get_model("retention", "RetentionPolicy")
    for record_class, keep_days, source in DEFAULTS:
        RetentionPolicy.objects.get_or_create(
            record_class=record_class,
            effective_from=EFFECTIVE_FROM,
            defaults={"keep_days": keep_days, "source": source},
        )


def backwards(apps, schema_editor):
    RetentionPolicy = apps.get_model("retention", "RetentionPolicy")
    for record_class, _keep_days, _source in DEFAULTS:
        RetentionPolicy.objects.filter(
            record_class=record_class, effective_from=EFFECTIVE_FROM, created_by=None
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_audit_log_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
