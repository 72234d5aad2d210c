"""The approved minutes are signed by the agency as PDF once, at approval (PAdES,
issue 16 point 4, ADR 0022): the PDF offered for download and packaged is those bytes,
its hash is in the approval event, and it validates with pyHanko and pdfsig and fails
after one byte changes. A draft is not signed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.evidence.pdf_signing import DEMO_SUBJECT_CN
from prachum.evidence.selectors import list_events
from prachum.minutes import services
from prachum.minutes.exports import minutes_files
from prachum.minutes.models import MinutesVersion
from prachum.verify.pdf_signatures import NO_SIGNATURE, check_pdf_signature
from tests.pdf_signature_checks import assert_signed_by_the_agency

pytestmark = pytest.mark.django_db


def test_the_approved_minutes_pdf_is_signed_once_and_is_what_is_offered(
    draft: MinutesVersion, chair: Any, secretary: Any, tmp_path: Path
) -> None:
    client = Client(headers={"accept-language": "th"})
    client.force_login(secretary)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    url = reverse("minutes:pdf", args=[draft.meeting.pk, draft.version])
    unsigned = client.get(url)
    assert unsigned.status_code == 200
    assert check_pdf_signature(unsigned.content).problem == NO_SIGNATURE

    approved = services.approve_minutes(
        actor=chair, version=draft, method="circulation"
    )
    signed = bytes(approved.signed_pdf)
    assert_signed_by_the_agency(signed, tmp_path)
    event = (
        list_events(chain_key=draft.meeting.chain_key)
        .filter(kind="minutes.approved")
        .last()
    )
    assert event is not None
    assert event.payload["pdf_sha256"] == hashlib.sha256(signed).hexdigest()

    offered = client.get(url)
    assert offered.status_code == 200
    assert offered.content == signed  # the same bytes every time, not re-signed
    assert dict(minutes_files(draft.meeting))["minutes.pdf"] == signed
    # Where the PDF is offered, the page says who signed it (read from the PDF).
    page = client.get(reverse("minutes:detail", args=[draft.meeting.pk])).content
    text = page.decode()
    assert "ลงลายมือชื่อดิจิทัลโดย" in text
    assert DEMO_SUBJECT_CN not in text  # named in Thai on the page
    assert "ใบรับรองสาธิตของระบบประชุม" in text
