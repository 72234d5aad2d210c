"""The approved minutes name who approved them, how and when (R54, R55; issue 14):
the PDF and the DOCX of a draft say "ร่าง ยังไม่ได้รับรอง" and no approver; after
approval they name the approver (name, position), the method and the Buddhist-era
date, and the bytes differ from the draft's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.test import Client
from django.urls import reverse

from prachum.domain.thai_dates import format_thai_date
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.minutes import services
from prachum.minutes.approval_block import approval_block
from prachum.minutes.docx import render_minutes_docx
from prachum.minutes.models import MinutesVersion
from prachum.minutes.pdf import render_minutes_pdf
from prachum.notices.services import send_notice
from tests.letters.test_invitation_pdf import pdftotext, skeleton

pytestmark = pytest.mark.django_db

DRAFT_MARK = "ร่าง ยังไม่ได้รับรองรายงานการประชุม"
APPROVER = "ผู้รับรองรายงานการประชุม"
CHAIR = "(นายประธาน ทดสอบ)"


def _pdf_text(version: MinutesVersion, tmp_path: Path) -> str:
    pdf = render_minutes_pdf(version.content, approval_block(version=version))
    return skeleton(pdftotext(pdf, tmp_path))


def _docx_text(version: MinutesVersion) -> str:
    data = render_minutes_docx(version.content, approval_block(version=version))
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def _has(text: str, needle: str) -> bool:
    return skeleton(needle) in skeleton(text)


def test_circulation_approval_is_named_in_the_pdf_and_docx_after_not_before(
    draft: MinutesVersion, chair: Any, member: Any, vice_chair: Any, tmp_path: Path
) -> None:
    before_pdf = render_minutes_pdf(draft.content, approval_block(version=draft))
    before = [_pdf_text(draft, tmp_path), _docx_text(draft)]
    services.record_minutes_approval(actor=member, version=draft, method="circulation")
    services.record_minutes_approval(
        actor=vice_chair, version=draft, method="circulation"
    )
    approved = services.approve_minutes(
        actor=chair, version=draft, method="circulation"
    )
    date = f"เมื่อวันที่ {format_thai_date(approved.approved_at)}"
    method = f"รับรองรายงานการประชุมโดยการเวียน {date}"
    after = [_pdf_text(approved, tmp_path), _docx_text(approved)]
    for text in before:
        assert _has(text, DRAFT_MARK)
        assert not _has(text, APPROVER)
        assert not _has(text, method)
    for text in after:
        assert not _has(text, DRAFT_MARK)
        assert _has(text, "การรับรองรายงานการประชุม")
        assert _has(text, method)
        assert _has(text, "กรรมการผู้รับรองโดยการเวียน")
        for person in (member, vice_chair, chair):
            assert _has(text, person.display_name)
        # The signature block: name, position, capacity, in that order.
        tail = skeleton(text).split(skeleton(method))[1]
        assert skeleton(f"{CHAIR}ประธานกรรมการ{APPROVER}") in tail
    after_pdf = render_minutes_pdf(approved.content, approval_block(version=approved))
    assert after_pdf != before_pdf
    # What was approved is the draft's content: same hash.
    assert approved.sha256 == draft.sha256


def test_approval_at_a_later_meeting_names_that_meeting(
    draft: MinutesVersion,
    chair: Any,
    secretary: Any,
    make_meeting: Any,
    tmp_path: Path,
) -> None:
    following = make_meeting(days_ahead=30)
    meeting_services.record_electronic_decision(actor=chair, meeting=following)
    send_notice(actor=secretary, meeting=following)
    following.refresh_from_db()
    approved = services.approve_minutes(
        actor=chair, version=draft, method="next_meeting", at_meeting=following
    )
    number = f"{following.number}/{following.buddhist_year}"
    method = (
        f"รับรองรายงานการประชุมในการประชุมครั้งที่ {number} "
        f"เมื่อวันที่ {format_thai_date(approved.approved_at)}"
    )
    for text in (_pdf_text(approved, tmp_path), _docx_text(approved)):
        assert _has(text, method)
        assert _has(text, f"{CHAIR}ประธานกรรมการ{APPROVER}")
        assert not _has(text, "กรรมการผู้รับรองโดยการเวียน")


def test_approval_at_the_same_meeting_in_thai_digits(
    held_meeting: Meeting, secretary: Any, chair: Any, tmp_path: Path
) -> None:
    agency = held_meeting.committee.agency
    agency.thai_digits = True
    agency.save(update_fields=["thai_digits"])
    draft = services.draft_minutes(actor=secretary, meeting=held_meeting)
    approved = services.approve_minutes(
        actor=chair, version=draft, method="same_meeting"
    )
    meeting = approved.meeting
    block = approval_block(version=approved)
    number = format_thai_date(approved.approved_at, thai_digits=True)
    assert block["method"].startswith("รับรองรายงานการประชุมในการประชุมครั้งที่ ")
    assert str(meeting.number) not in block["method"]  # in Thai digits
    assert block["method"].endswith(f"เมื่อวันที่ {number}")
    assert _has(_pdf_text(approved, tmp_path), block["method"])


def test_the_approval_keeps_the_digits_of_the_document(
    draft: MinutesVersion, chair: Any
) -> None:
    """Drafted with Arabic digits, approved after the agency chose Thai digits: the
    approval block is printed in the document's digits, not in a mix (R67)."""
    agency = draft.meeting.committee.agency
    agency.thai_digits = True
    agency.save(update_fields=["thai_digits"])
    approved = services.approve_minutes(
        actor=chair, version=draft, method="same_meeting"
    )
    block = approval_block(version=approved)
    assert block["method"].endswith(format_thai_date(approved.approved_at))
    assert str(approved.meeting.number) in block["method"]


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "th"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def test_the_page_and_the_downloads_show_the_approval(
    draft: MinutesVersion, chair: Any, member: Any, tmp_path: Path
) -> None:
    meeting = draft.meeting
    client = _client(member)
    detail = reverse("minutes:detail", args=[meeting.pk])
    page = client.get(detail).content.decode()
    assert DRAFT_MARK in page
    assert APPROVER not in page
    chair_client = _client(chair)
    response = chair_client.post(
        reverse("minutes:approve", args=[meeting.pk, draft.version]),
        {"method": "circulation"},
    )
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert DRAFT_MARK not in page
    assert 'id="minutes-approval"' in page
    assert "รับรองรายงานการประชุมโดยการเวียน" in page
    assert CHAIR in page
    assert APPROVER in page
    pdf = client.get(reverse("minutes:pdf", args=[meeting.pk, draft.version]))
    text = skeleton(pdftotext(pdf.content, tmp_path))
    assert skeleton(CHAIR) in text
    assert skeleton(APPROVER) in text
    docx_response = client.get(reverse("minutes:docx", args=[meeting.pk, 1]))
    document = docx.Document(io.BytesIO(docx_response.content))
    assert any(p.text == CHAIR for p in document.paragraphs)
