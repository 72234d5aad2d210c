"""Issue 15, F7 through the pages: hostile papers refused with a clear Thai message and
nothing stored; every file Prachum hands out is a sandboxed attachment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from prachum.core.downloads import protect_download, safe_filename
from prachum.evidence.models import EvidenceEvent
from prachum.meetings import services
from prachum.meetings.models import Document, DocumentVersion
from prachum.notices.services import send_notice
from tests.factories import MINIMAL_PDF
from tests.meetings import malicious_files as mf

pytestmark = pytest.mark.django_db

ACTIVE_PDF = (
    "This PDF contains content that runs by itself (JavaScript, an action that "
    "opens a program, an attached file or multimedia), which is not accepted. "
    "Print the document to a new PDF (for example “Microsoft Print to PDF” or "
    "“Save as PDF”) and upload that file."
)
UNSAFE_PART = (
    "This file carries a program, a macro, an embedded package or a link that "
    "runs something from outside, which is not accepted. Remove the embedded "
    "object or macro, save the file again as .docx, .xlsx or .pptx and upload it "
    "again."
)
TOO_LARGE = (
    "This file expands to more than the system accepts when opened (at most "
    "%(entries)d parts and %(mb)d MB, and no part compressed more than "
    "%(ratio)d times). Make the file smaller, for example by compressing its "
    "pictures, and upload it again."
)


def _thai(msgid: str, **values: Any) -> str:
    with translation.override("th"):
        text = translation.gettext(msgid)
    assert text != msgid, f"no Thai translation for {msgid!r}"
    return text % values if values else text


def _state() -> tuple[int, int, int]:
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        EvidenceEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("name", "build", "msgid"),
    [
        ("agenda.pdf", lambda: mf.PDF_OPEN_ACTION_JS, ACTIVE_PDF),
        ("agenda.pdf", mf.pdf_with_attached_exe, ACTIVE_PDF),
        ("budget.docx", lambda: mf.zip_bomb(megabytes=200), TOO_LARGE),
        (
            "budget.docx",
            lambda: mf.docx_plus(("word/embeddings/setup.exe", mf.EXE)),
            UNSAFE_PART,
        ),
    ],
    ids=["pdf_javascript", "pdf_attached_exe", "zip_bomb", "setup_exe"],
)
def test_f7_the_upload_page_refuses_a_hostile_paper_in_thai(
    logged_in: Callable[..., Client],
    secretary: Any,
    meeting: Any,
    settings: Any,
    name: str,
    build: Callable[[], bytes],
    msgid: str,
) -> None:
    before = _state()
    response = logged_in(secretary, "th").post(
        reverse("meetings:document_upload", args=[meeting.pk]),
        {"title": "เอกสารประกอบวาระ", "file": SimpleUploadedFile(name, build())},
    )
    assert response.status_code == 400
    values = (
        {
            "entries": settings.UPLOAD_ZIP_MAX_ENTRIES,
            "mb": settings.UPLOAD_ZIP_MAX_TOTAL_BYTES // (1024 * 1024),
            "ratio": settings.UPLOAD_ZIP_MAX_RATIO,
        }
        if msgid == TOO_LARGE
        else {}
    )
    assert escape(_thai(msgid, **values)) in response.content.decode()
    assert _state() == before


def test_f7_a_clean_pdf_still_goes_in_through_the_page(
    logged_in: Callable[..., Client], secretary: Any, meeting: Any
) -> None:
    response = logged_in(secretary, "th").post(
        reverse("meetings:document_upload", args=[meeting.pk]),
        {"title": "เอกสารประกอบวาระ", "file": SimpleUploadedFile("a.pdf", MINIMAL_PDF)},
    )
    assert response.status_code == 302
    assert DocumentVersion.objects.get().sha256


def _assert_sandboxed_attachment(response: Any, filename: str) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert filename in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_f7_a_paper_downloads_as_a_sandboxed_attachment(
    logged_in: Callable[..., Client], secretary: Any, member: Any, meeting: Any
) -> None:
    version = services.upload_document(
        actor=secretary,
        meeting=meeting,
        title="เอกสาร",
        upload=SimpleUploadedFile("budget 2570.pdf", MINIMAL_PDF),
    )
    response = logged_in(member).get(reverse("meetings:document", args=[version.pk]))
    _assert_sandboxed_attachment(response, 'filename="budget 2570.pdf"')
    assert b"".join(response.streaming_content) == MINIMAL_PDF


def test_f7_the_notice_letter_and_timeline_are_sandboxed_attachments(
    logged_in: Callable[..., Client], chair: Any, secretary: Any, meeting: Any
) -> None:
    services.record_electronic_decision(actor=chair, meeting=meeting)
    notice = send_notice(actor=secretary, meeting=meeting)
    client = logged_in(secretary)
    letter = client.get(reverse("meetings:notice_letter", args=[meeting.pk, notice.pk]))
    _assert_sandboxed_attachment(letter, ".pdf")
    timeline = client.get(reverse("meetings:timeline_svg", args=[meeting.pk]))
    _assert_sandboxed_attachment(timeline, ".svg")


def test_f7_the_public_key_download_is_a_sandboxed_attachment(
    logged_in: Callable[..., Client], secretary: Any
) -> None:
    response = logged_in(secretary).get(reverse("evidence:public_key") + "?download=1")
    _assert_sandboxed_attachment(response, "prachum-agency-ed25519.pub.pem")


def test_a_download_name_loses_folders_quotes_and_direction_marks() -> None:
    assert safe_filename('..\\x/ab\u202ecod."pdf') == "abcod.pdf"
    assert safe_filename("\u200f") == "document"

    response = protect_download(HttpResponse(b""), filename="เอกสาร.pdf")
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
