from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import services
from prachum.meetings.models import Document, DocumentRead, DocumentVersion
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db

PDF_V2 = MINIMAL_PDF.replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 842 595]")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _counts():
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        EvidenceEvent.objects.count(),
    )


def _upload(meeting, actor, name="budget.pdf", content=MINIMAL_PDF, **kwargs):
    return services.upload_document(
        actor=actor,
        meeting=meeting,
        title=kwargs.pop("title", "เอกสารงบประมาณ"),
        upload=upload(name, content, kwargs.pop("content_type", "application/pdf")),
        **kwargs,
    )


def test_a_pdf_is_stored_with_its_sha256_as_version_1(meeting, secretary, settings):
    section4 = meeting.agenda_items.get(position=400)

    version = _upload(meeting, secretary, agenda_item=section4)

    assert MINIMAL_PDF.startswith(b"%PDF-1.4")
    digest = hashlib.sha256(MINIMAL_PDF).hexdigest()
    version = DocumentVersion.objects.select_related("document").get(pk=version.pk)
    assert (version.version, version.sha256, version.size) == (
        1,
        digest,
        len(MINIMAL_PDF),
    )
    assert (version.content_type, version.original_name) == (
        "application/pdf",
        "budget.pdf",
    )
    assert (version.document.title, version.document.agenda_item) == (
        "เอกสารงบประมาณ",
        section4,
    )
    assert version.uploaded_by == secretary
    stored = Path(version.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.read_bytes() == MINIMAL_PDF
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest

    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.actor) == ("document.uploaded", secretary)
    assert event.payload == {
        "document": str(version.document.pk),
        "agenda_item": str(section4.pk),
        "title": "เอกสารงบประมาณ",
        "version": 1,
        "name": "budget.pdf",
        "content_type": "application/pdf",
        "size": len(MINIMAL_PDF),
        "sha256": digest,
        "is_enclosure": False,
    }


def test_a_re_upload_is_version_2_and_keeps_version_1(meeting, secretary):
    first = _upload(meeting, secretary)

    second = _upload(
        meeting,
        secretary,
        name="budget-v2.pdf",
        content=PDF_V2,
        document=first.document,
    )

    assert second.document_id == first.document_id
    assert [
        (v.version, v.sha256)
        for v in DocumentVersion.objects.filter(document=first.document).order_by(
            "version"
        )
    ] == [
        (1, hashlib.sha256(MINIMAL_PDF).hexdigest()),
        (2, hashlib.sha256(PDF_V2).hexdigest()),
    ]
    assert Path(first.file.path).read_bytes() == MINIMAL_PDF
    assert Path(second.file.path).read_bytes() == PDF_V2
    assert first.document.current_version == second
    assert Document.objects.count() == 1
    uploads = [
        e
        for e in list_events(chain_key=meeting.chain_key)
        if e.kind == "document.uploaded"
    ]
    assert [e.payload["version"] for e in uploads] == [1, 2]
    assert check_chain(chain_key=meeting.chain_key).ok


def test_a_png_is_accepted_whatever_the_browser_claims(meeting, secretary):
    version = _upload(
        meeting, secretary, name="chart.png", content=PNG, content_type="text/plain"
    )
    assert version.content_type == "image/png"


def test_an_oversized_file_is_refused(meeting, secretary, settings):
    settings.DOCUMENT_MAX_BYTES = 64
    assert len(MINIMAL_PDF) > 64
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _upload(meeting, secretary)
    assert (excinfo.value.code, excinfo.value.field) == ("FILE_TOO_LARGE", "file")
    assert _counts() == before
    assert not (Path(settings.MEDIA_ROOT) / "documents").exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("setup.exe", EXE, "application/octet-stream"),
        ("minutes.pdf", EXE, "application/pdf"),  # an executable renamed .pdf
        ("minutes.pdf", "รายงานการประชุม\n".encode(), "application/pdf"),  # text renamed
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
    ],
    ids=["exe", "exe-as-pdf", "text-as-pdf", "html"],
)
def test_a_forbidden_type_is_refused(
    meeting, secretary, settings, name, content, content_type
):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _upload(
            meeting, secretary, name=name, content=content, content_type=content_type
        )
    assert (excinfo.value.code, excinfo.value.field) == (
        "FILE_TYPE_NOT_ALLOWED",
        "file",
    )
    assert _counts() == before
    assert not (Path(settings.MEDIA_ROOT) / "documents").exists()


def test_an_empty_file_is_refused(meeting, secretary):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _upload(meeting, secretary, content=b"")
    assert excinfo.value.code == "EMPTY_FILE"
    assert _counts() == before


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_uploads(request, meeting, who):
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        _upload(meeting, request.getfixturevalue(who))
    assert _counts() == before


def test_a_participant_s_read_is_logged(meeting, secretary, member):
    version = _upload(meeting, secretary)

    read = services.record_document_read(
        actor=member, version=version, ip_address="203.0.113.7"
    )

    read = DocumentRead.objects.get(pk=read.pk)
    assert (read.version, read.user, read.ip_address) == (
        version,
        member,
        "203.0.113.7",
    )
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.actor) == ("document.read", member)
    assert event.payload == {
        "document": str(version.document_id),
        "version": 1,
        "sha256": version.sha256,
        "ip": "203.0.113.7",
    }


def test_an_outsider_may_not_read(meeting, secretary, outsider):
    version = _upload(meeting, secretary)
    events_before = EvidenceEvent.objects.count()

    with pytest.raises(PermissionDeniedError) as excinfo:
        services.record_document_read(actor=outsider, version=version, ip_address=None)

    assert excinfo.value.code == "NOT_PARTICIPANT"
    assert not DocumentRead.objects.exists()
    assert EvidenceEvent.objects.count() == events_before
