"""The minutes print every digit in the agency's one system (R67; issue 14 point 5)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import docx
import pytest

from prachum.minutes import services
from prachum.minutes.docx import render_minutes_docx
from prachum.minutes.pdf import render_minutes_pdf
from tests.letters.test_invitation_pdf import pdftotext

pytestmark = pytest.mark.django_db

ARABIC = re.compile("[0-9]")


def test_thai_digits_in_the_pdf_and_the_docx(
    held_meeting: Any, secretary: Any, tmp_path: Path
) -> None:
    agency = held_meeting.committee.agency
    agency.thai_digits = True
    agency.save()
    content = services.draft_minutes(actor=secretary, meeting=held_meeting).content
    assert content["thai_digits"] is True
    text = pdftotext(render_minutes_pdf(content), tmp_path, "-raw")
    assert "๑." in text  # the numbered list of those present
    assert not ARABIC.search(text), ARABIC.findall(text)
    document = docx.Document(io.BytesIO(render_minutes_docx(content)))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "๑." in paragraphs
    assert not ARABIC.search(paragraphs)


def test_arabic_digits_by_default_and_older_content_prints_as_it_was(
    held_meeting: Any, secretary: Any, tmp_path: Path
) -> None:
    content = services.draft_minutes(actor=secretary, meeting=held_meeting).content
    text = pdftotext(render_minutes_pdf(content), tmp_path, "-raw")
    assert not re.search("[๐-๙]", text)
    older = {k: v for k, v in content.items() if k != "thai_digits"}
    older["number"] = "ครั้งที่ ๑/๒๕๖๙"  # as a Thai-digit agency's content was stored
    kept = pdftotext(render_minutes_pdf(older), tmp_path, "-raw")
    assert "๑/๒๕๖๙" in kept
    assert "1." in kept
