"""The demo data that `make run` loads: a committee of 9, a meeting, a PDF document."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from prachum.committees.models import Committee
from prachum.evidence.selectors import check_chain
from prachum.meetings.models import DocumentVersion, Meeting

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_committee_a_meeting_and_a_document_once(
    settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    password = out.getvalue().split("account): ", 1)[1].split()[0]

    committee = Committee.objects.get()
    roles = Counter(committee.memberships.values_list("role", flat=True))
    assert roles == {"chair": 1, "vice_chair": 1, "secretary": 1, "member": 6}
    meeting = Meeting.objects.get()
    assert meeting.electronic_decided_by is not None
    assert meeting.agenda_items.filter(parent=None).count() == 5
    version = DocumentVersion.objects.get()
    assert version.content_type == "application/pdf"
    assert version.file.read().startswith(b"%PDF")
    assert check_chain(chain_key=meeting.chain_key).ok
    secretary = committee.memberships.get(role="secretary").user
    assert secretary.check_password(password)
    assert password not in Path(__file__).read_text()

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert Committee.objects.count() == 1
    assert Meeting.objects.count() == 1
    assert password in again.getvalue()
