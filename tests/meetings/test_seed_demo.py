"""The demo data that `make run` loads: a committee of 9, a meeting, a PDF document."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

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
    # a voting secretary (กรรมการและเลขานุการ): nine voting members
    assert roles == {"chair": 1, "vice_chair": 1, "member_secretary": 1, "member": 6}
    assert committee.memberships.filter(is_voting=True).count() == 9
    meeting = Meeting.objects.get(status="draft")
    assert meeting.electronic_decided_by is not None
    assert meeting.agenda_items.filter(parent=None).count() == 5
    version = DocumentVersion.objects.get()
    assert version.content_type == "application/pdf"
    assert version.file.read().startswith(b"%PDF")
    assert check_chain(chain_key=meeting.chain_key).ok
    # an urgent meeting for today, noticed, that the chair may open at once
    urgent = Meeting.objects.get(status="notified")
    assert urgent.urgent_reason
    assert urgent.number == 1
    minutes_away = (urgent.starts_at - timezone.now()).total_seconds() / 60
    assert 0 < minutes_away <= 30  # the default margin for opening early
    secretary = committee.memberships.get(role="member_secretary").user
    assert secretary.check_password(password)
    assert password not in Path(__file__).read_text()

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert Committee.objects.count() == 1
    assert Meeting.objects.count() == 2
    assert password in again.getvalue()
