"""Bad input through the pages: a clear error in Thai and in English, and nothing saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from prachum.committees.models import Committee, Membership
from prachum.evidence.models import EvidenceEvent
from prachum.meetings.models import AgendaItem, Document, DocumentVersion
from prachum.notices.models import Notice, NoticeMessage
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db

LANGUAGES = ["th", "en"]


def _message(language: str, msgid: str) -> str:
    with translation.override(language):
        text = translation.gettext(msgid)
    if language == "th":
        assert text != msgid, f"no Thai translation for {msgid!r}"
    return text


def _state() -> tuple[int, ...]:
    return (
        Committee.objects.count(),
        Membership.objects.count(),
        AgendaItem.objects.count(),
        Document.objects.count(),
        DocumentVersion.objects.count(),
        Notice.objects.count(),
        NoticeMessage.objects.count(),
        EvidenceEvent.objects.count(),
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "a <b>bold</b> idea",
    ],
)
def test_markup_in_an_agenda_title_is_refused(
    logged_in: Callable[..., Client],
    secretary: Any,
    meeting: Any,
    language: str,
    title: str,
) -> None:
    before = _state()
    response = logged_in(secretary, language).post(
        reverse("meetings:agenda_add", args=[meeting.pk]), {"title": title}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        escape(
            _message(language, "Plain text only: HTML tags, < and > are not allowed.")
        )
        in page
    )
    assert "<script>alert(1)</script>" not in page
    assert _state() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_oversized_document_is_refused(
    logged_in: Callable[..., Client],
    secretary: Any,
    meeting: Any,
    settings: Any,
    language: str,
) -> None:
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    big = MINIMAL_PDF + b"0" * (1024 * 1024)
    before = _state()
    response = logged_in(secretary, language).post(
        reverse("meetings:document_upload", args=[meeting.pk]),
        {
            "title": "เอกสาร",
            "file": SimpleUploadedFile("big.pdf", big, "application/pdf"),
        },
    )
    assert response.status_code == 400
    with translation.override(language):
        expected = translation.gettext("The file is too large: at most %(mb)d MB.") % {
            "mb": 1
        }
    assert expected in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("notes.pdf", b"just text, not a PDF"),
    ],
)
def test_a_forbidden_file_type_is_refused(
    logged_in: Callable[..., Client],
    secretary: Any,
    meeting: Any,
    language: str,
    name: str,
    content: bytes,
) -> None:
    before = _state()
    response = logged_in(secretary, language).post(
        reverse("meetings:document_upload", args=[meeting.pk]),
        {
            "title": "เอกสาร",
            "file": SimpleUploadedFile(name, content, "application/pdf"),
        },
    )
    assert response.status_code == 400
    msgid = "This type of file is not accepted. Upload PDF, Word, Excel, PowerPoint, PNG or JPEG."
    assert _message(language, msgid) in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_notice_two_days_ahead_without_urgency_is_refused(
    logged_in: Callable[..., Client],
    secretary: Any,
    chair: Any,
    make_meeting: Callable[..., Any],
    language: str,
) -> None:
    from prachum.meetings import services

    meeting = make_meeting(days_ahead=2)
    services.record_electronic_decision(actor=chair, meeting=meeting)
    before = _state()
    response = logged_in(secretary, language).post(
        reverse("meetings:send_notice", args=[meeting.pk])
    )
    assert response.status_code == 400
    page = response.content.decode()
    with translation.override(language):
        fragment = translation.gettext("Administrative Procedure Act section 80")
    if language == "th":
        assert "มาตรา ๘๐" in page or "มาตรา 80" in page
    else:
        assert fragment in page
    assert 'id="notice-error"' in page
    assert _state() == before
    meeting.refresh_from_db()
    assert meeting.status == "draft"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("category", ["procurement", "parliament", "court_judgment"])
def test_a_committee_for_an_excluded_kind_of_meeting_is_refused(
    logged_in: Callable[..., Client], agency: Any, language: str, category: str
) -> None:
    from tests.factories import UserFactory

    operator = UserFactory(is_staff=True)
    before = _state()
    response = logged_in(operator, language).post(
        reverse("committees:create"),
        {
            "agency": agency.pk,
            "name": "คณะกรรมการพิจารณาผลการประกวดราคา",
            "body_type": "committee",
            "legal_basis": "ระเบียบกระทรวงการคลังว่าด้วยการจัดซื้อจัดจ้าง พ.ศ. 2560",
            "category": category,
        },
    )
    assert response.status_code == 200
    msgid = (
        "This kind of meeting cannot be held electronically: the Emergency Decree on "
        "Electronic Meetings B.E. 2563 section 5 excludes it."
    )
    assert _message(language, msgid) in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_roster_with_bad_rows_lists_each_row_and_imports_nothing(
    logged_in: Callable[..., Client], secretary: Any, committee: Any, language: str
) -> None:
    csv = (
        "username,email,title,full_name,position,role\n"
        "ok1,ok1@example.go.th,นาย,คนดี มีสุข,ผู้อำนวยการ,member\n"
        "bad2,not-an-email,นาย,คนที่สอง,,member\n"
        "bad3,bad3@example.go.th,นาง,,,member\n"
        "bad4,bad4@example.go.th,นาง,คนที่สี่,,emperor\n"
    ).encode()
    before = _state()
    response = logged_in(secretary, language).post(
        reverse("committees:detail", args=[committee.pk]),
        {"file": SimpleUploadedFile("roster.csv", csv, "text/csv")},
    )
    page = response.content.decode()
    assert 'id="row-errors"' in page
    errors = page.split('id="row-errors"', 1)[1].split("</ul>", 1)[0]
    rows = {int(n) for n in re.findall(r"<li>\D*(\d+)", errors)}
    assert rows == {
        3,
        4,
        5,
    }  # the header is line 1; the good row (line 2) is not listed
    assert _message(language, "Not a valid e-mail address.") in page
    assert _message(language, "A full name is required.") in page
    assert _state() == before
