"""Issue 15, F7: a meeting paper that carries something that runs is refused by the
service with a stable code and nothing stored; clean papers still go in."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.meetings import services
from prachum.meetings.models import Document, DocumentVersion
from tests.factories import MINIMAL_PDF
from tests.meetings import malicious_files as mf

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HOSTILE: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "pdf_open_action_js": (
        "agenda.pdf",
        lambda: mf.PDF_OPEN_ACTION_JS,
        "PDF_ACTIVE_CONTENT",
    ),
    "pdf_escaped_js": ("agenda.pdf", lambda: mf.PDF_ESCAPED_JS, "PDF_ACTIVE_CONTENT"),
    "pdf_launch": ("agenda.pdf", mf.pdf_launch_in_object_stream, "PDF_ACTIVE_CONTENT"),
    "pdf_page_aa": (
        "agenda.pdf",
        mf.pdf_page_aa_in_object_stream,
        "PDF_ACTIVE_CONTENT",
    ),
    "pdf_attached_exe": ("agenda.pdf", mf.pdf_with_attached_exe, "PDF_ACTIVE_CONTENT"),
    "pdf_password": ("agenda.pdf", mf.pdf_with_password, "FILE_DAMAGED"),
    "zip_bomb_200mb": (
        "budget.docx",
        lambda: mf.zip_bomb(megabytes=200),
        "ARCHIVE_TOO_LARGE",
    ),
    "ratio_bomb_5mb": (
        "budget.docx",
        lambda: mf.zip_bomb(megabytes=5),
        "ARCHIVE_TOO_LARGE",
    ),
    "lying_sizes": ("budget.docx", mf.zip_lying_about_size, "FILE_DAMAGED"),
    "setup_exe": (
        "budget.docx",
        lambda: mf.docx_plus(("word/embeddings/setup.exe", mf.EXE)),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "exe_renamed_png": (
        "budget.docx",
        lambda: mf.docx_plus(("word/media/image9.png", mf.EXE)),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "vba_macro": (
        "budget.docx",
        lambda: mf.docx_plus(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "ole_package": (
        "budget.docx",
        lambda: mf.docx_plus(("word/embeddings/oleObject1.bin", mf.OLE_PACKAGE)),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "remote_template": (
        "budget.docx",
        lambda: mf.docx_plus(("word/_rels/settings.xml.rels", mf.REMOTE_TEMPLATE_RELS)),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "path_traversal": (
        "budget.docx",
        lambda: mf.docx_plus(("../../startup/evil.txt", b"x")),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "nested_exe": (
        "budget.docx",
        lambda: mf.docx_plus(
            ("word/embeddings/Sheet1.xlsx", mf.docx_plus(("xl/setup.exe", mf.EXE)))
        ),
        "ARCHIVE_UNSAFE_CONTENT",
    ),
    "duplicate_part": (
        "budget.docx",
        lambda: mf.docx_plus(("word/document.xml", b"<w:document/>")),
        "FILE_DAMAGED",
    ),
    "plain_zip_named_docx": ("budget.docx", mf.plain_zip, "FILE_NAME_MISMATCH"),
    "pdf_named_docx": ("budget.docx", lambda: MINIMAL_PDF, "FILE_NAME_MISMATCH"),
    "docx_named_pdf": ("budget.pdf", mf.clean_docx, "FILE_NAME_MISMATCH"),
}


def _state(settings: Any) -> tuple[Any, ...]:
    stored = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        EvidenceEvent.objects.count(),
        stored,
    )


def _upload(meeting: Any, actor: Any, name: str, content: bytes) -> DocumentVersion:
    return services.upload_document(
        actor=actor,
        meeting=meeting,
        title="เอกสารประกอบวาระ",
        upload=SimpleUploadedFile(name, content, "application/octet-stream"),
        agenda_item=meeting.agenda_items.get(position=400),
    )


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_f7_a_hostile_paper_is_refused_and_nothing_stored(
    meeting: Any, secretary: Any, settings: Any, case: str
) -> None:
    name, build, code = HOSTILE[case]
    content = build()
    assert (
        len(content) < settings.DOCUMENT_MAX_BYTES
    )  # refused for what it is, not size
    before = _state(settings)
    started = time.monotonic()

    with pytest.raises(ServiceError) as caught:
        _upload(meeting, secretary, name, content)

    assert caught.value.code == code
    assert caught.value.field == "file"
    assert _state(settings) == before
    assert time.monotonic() - started < 5  # a bomb is judged by its headers, not opened


def test_f7_the_1_gib_bomb_of_the_finding_is_refused_from_its_headers(
    meeting: Any, secretary: Any, settings: Any
) -> None:
    # Built at 1/4 scale of the finding to keep the test quick; it declares 256 MB.
    content = mf.zip_bomb(megabytes=256)
    with pytest.raises(ServiceError) as caught:
        _upload(meeting, secretary, "budget.docx", content)
    assert caught.value.code == "ARCHIVE_TOO_LARGE"


def test_too_many_parts_are_refused(
    meeting: Any, secretary: Any, settings: Any
) -> None:
    settings.UPLOAD_ZIP_MAX_ENTRIES = 20
    parts = [(f"word/media/image{i}.png", b"x") for i in range(20)]
    with pytest.raises(ServiceError) as caught:
        _upload(meeting, secretary, "budget.docx", mf.docx_plus(*parts))
    assert caught.value.code == "ARCHIVE_TOO_LARGE"


def test_the_total_size_limit_is_a_setting(
    meeting: Any, secretary: Any, settings: Any
) -> None:
    settings.UPLOAD_ZIP_MAX_TOTAL_BYTES = 1000
    with pytest.raises(ServiceError) as caught:
        _upload(meeting, secretary, "budget.docx", mf.clean_docx())
    assert caught.value.code == "ARCHIVE_TOO_LARGE"


@pytest.mark.parametrize(
    ("name", "build", "mime"),
    [
        ("agenda.pdf", lambda: MINIMAL_PDF, "application/pdf"),
        ("agenda.PDF", mf.pdf_clean_with_link, "application/pdf"),
        ("budget.docx", mf.clean_docx, DOCX),
        (
            "budget.docx",
            lambda: mf.docx_plus(("word/embeddings/Sheet1.xlsx", mf.clean_docx())),
            DOCX,
        ),
    ],
)
def test_f7_clean_papers_are_still_accepted(
    meeting: Any,
    secretary: Any,
    name: str,
    build: Callable[[], bytes],
    mime: str,
) -> None:
    content = build()
    version = _upload(meeting, secretary, name, content)
    version.refresh_from_db()
    assert (version.content_type, version.size) == (mime, len(content))
    with version.file.open("rb") as stored:
        assert stored.read() == content
