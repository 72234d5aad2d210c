"""``compliance.json`` for the evidence package: the checklist as it stood when the
package was built (R74). Listed in ``prachum.archive.package.EXPORTERS``."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import translation

from prachum.compliance.checklist import all_passed, meeting_checklist
from prachum.compliance.standard import security_standard
from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting


def compliance_files(meeting: Meeting) -> Iterator[File]:
    with translation.override("en"):
        checks = meeting_checklist(meeting)
        standard = security_standard(meeting)
    yield (
        "compliance.json",
        json_bytes(
            {
                "meeting": str(meeting.pk),
                "all_passed": all_passed(checks),
                "checks": [c.as_dict() for c in checks],
                "security_standard": standard,
            }
        ),
    )
