"""What is inside an uploaded meeting paper (issue 15, F7).

A paper is served to every participant, so it must not carry anything that runs: a PDF
with JavaScript, an action that starts a program or an attached file is refused (not
cleaned: the stored bytes stay the ones the secretary sent, and the record stays honest);
an Office Open XML file (.docx, .xlsx, .pptx) is checked as the zip it is, with limits on
its parts, its size when opened and each part's compression ratio, and no program, macro
or embedded package inside. The file's name must match its content.

Everything here reads bytes only; nothing is written. The limits are settings
(``UPLOAD_ZIP_*``, ``UPLOAD_PDF_MAX_OBJECTS``).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import filetype
import pikepdf
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prachum.core.errors import ServiceError
from prachum.meetings.error_codes import MeetingError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# The name's ending each content type may carry, and (OOXML) the folder of its main part.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
}
OOXML_MAIN_FOLDER = {DOCX: "word/", XLSX: "xl/", PPTX: "ppt/"}

# A part smaller than this is not judged by its ratio: short repetitive XML compresses
# well and can do no harm at that size (the total limit still counts it).
RATIO_FLOOR_BYTES = 1024 * 1024
# Nested archives (an Excel sheet embedded in a Word file) are opened one level deep.
MAX_DEPTH = 2
NESTED_SUFFIXES = (".docx", ".xlsx", ".pptx", ".zip", ".docm", ".xlsm", ".pptm")
CHUNK = 64 * 1024
# An OLE "Package" object (a file shown as an icon, e.g. setup.exe) has this stream.
OLE_PACKAGE_STREAM = "\x01Ole10Native".encode("utf-16-le")
# Relationships that fetch or run something from outside the file when it is opened
# (remote template injection, linked OLE objects, framesets, sub-documents).
EXTERNAL_RELATIONSHIPS = ("/attachedTemplate", "/oleObject", "/frame", "/subDocument")

PDF_ACTION_TYPES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
    }
)
PDF_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/RichMedia",
        "/RichMediaContent",
        "/XFA",
    }
)
PDF_SUBTYPES = frozenset(
    {"/FileAttachment", "/RichMedia", "/3D", "/Screen", "/Movie", "/Sound"}
)
# Found in the raw bytes too, in case a reader parses the file differently from qpdf.
PDF_RAW_TOKENS = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


def _mismatch() -> ServiceError:
    return ServiceError(
        MeetingError.FILE_NAME_MISMATCH,
        _(
            "The file's name does not match its content. Check that you chose the right "
            "file, save it again in its own program and upload it again."
        ),
        field="file",
    )


def _damaged() -> ServiceError:
    return ServiceError(
        MeetingError.FILE_DAMAGED,
        _(
            "The file is damaged, protected by a password or not a genuine PDF, Word, "
            "Excel or PowerPoint file, so it cannot be checked. Save it again without a "
            "password and upload the new file."
        ),
        field="file",
    )


def _pdf_active() -> ServiceError:
    return ServiceError(
        MeetingError.PDF_ACTIVE_CONTENT,
        _(
            "This PDF contains content that runs by itself (JavaScript, an action that "
            "opens a program, an attached file or multimedia), which is not accepted. "
            "Print the document to a new PDF (for example “Microsoft Print to PDF” or "
            "“Save as PDF”) and upload that file."
        ),
        field="file",
    )


def _too_large() -> ServiceError:
    return ServiceError(
        MeetingError.ARCHIVE_TOO_LARGE,
        _(
            "This file expands to more than the system accepts when opened (at most "
            "%(entries)d parts and %(mb)d MB, and no part compressed more than "
            "%(ratio)d times). Make the file smaller, for example by compressing its "
            "pictures, and upload it again."
        )
        % {
            "entries": settings.UPLOAD_ZIP_MAX_ENTRIES,
            "mb": settings.UPLOAD_ZIP_MAX_TOTAL_BYTES // (1024 * 1024),
            "ratio": settings.UPLOAD_ZIP_MAX_RATIO,
        },
        field="file",
    )


def _unsafe_part() -> ServiceError:
    return ServiceError(
        MeetingError.ARCHIVE_UNSAFE_CONTENT,
        _(
            "This file carries a program, a macro, an embedded package or a link that "
            "runs something from outside, which is not accepted. Remove the embedded "
            "object or macro, save the file again as .docx, .xlsx or .pptx and upload it "
            "again."
        ),
        field="file",
    )


def sniff_type(content: bytes, name: str) -> str | None:
    """The content type read from the bytes (not the browser's claim), or None."""
    kind = filetype.guess(content[:8192])
    if kind is None:
        return None
    mime = str(kind.mime)
    suffix = posixpath.splitext(name.lower())[1]
    if mime == "application/zip":
        # Office Open XML files are zip archives; filetype names some of them only as
        # zip. The name says which; check_upload then proves it from the parts.
        for ooxml, endings in EXTENSIONS.items():
            if ooxml in OOXML_MAIN_FOLDER and suffix in endings:
                return ooxml
    return mime


def check_upload(content: bytes, *, name: str, mime: str) -> None:
    """Refuse a paper whose name lies about it or that carries something that runs."""
    suffix = posixpath.splitext(name.lower())[1]
    if suffix not in EXTENSIONS.get(mime, ()):
        raise _mismatch()
    if mime == PDF:
        check_pdf(content)
    elif mime in OOXML_MAIN_FOLDER:
        check_ooxml(content, main_folder=OOXML_MAIN_FOLDER[mime])


# --- PDF ------------------------------------------------------------------------------


def check_pdf(content: bytes) -> None:
    """Refuse JavaScript, launch/submit/import actions, additional actions (/AA),
    attached files, XFA forms and multimedia anywhere in the PDF."""
    if any(token in content for token in PDF_RAW_TOKENS):
        raise _pdf_active()
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            _walk_pdf(pdf)
    except (pikepdf.PdfError, pikepdf.PasswordError) as exc:
        # A file we cannot read (damaged, or locked by a password) we cannot check.
        raise _damaged() from exc


def _walk_pdf(pdf: pikepdf.Pdf) -> None:
    budget = settings.UPLOAD_PDF_MAX_OBJECTS
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, pikepdf.Object):
            continue  # numbers, booleans and null come back as Python values
        budget -= 1
        if budget < 0:
            raise _damaged()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Array):
            stack.extend(obj)
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            keys = set(obj.keys())
            if keys & PDF_KEYS:
                raise _pdf_active()
            if str(obj.get("/S", "")) in PDF_ACTION_TYPES:
                raise _pdf_active()
            if str(obj.get("/Subtype", "")) in PDF_SUBTYPES:
                raise _pdf_active()
            if str(obj.get("/Type", "")) == "/EmbeddedFile":
                raise _pdf_active()
            stack.extend(obj[key] for key in keys)


# --- Office Open XML ------------------------------------------------------------------


def check_ooxml(content: bytes, *, main_folder: str) -> None:
    """A genuine OOXML package within the limits, with nothing that runs inside."""
    budget = _Budget()
    names = _check_zip(content, budget=budget, depth=1)
    if "[Content_Types].xml" not in names or not any(
        n.startswith(main_folder) for n in names
    ):
        raise _mismatch()


class _Budget:
    """Limits shared by an archive and the archives nested in it."""

    def __init__(self) -> None:
        self.entries = 0
        self.declared = 0
        self.read = 0

    def add_entries(self, count: int) -> None:
        self.entries += count
        if self.entries > settings.UPLOAD_ZIP_MAX_ENTRIES:
            raise _too_large()

    def declare(self, size: int) -> None:
        self.declared += size
        if self.declared > settings.UPLOAD_ZIP_MAX_TOTAL_BYTES:
            raise _too_large()

    def consume(self, size: int) -> None:
        self.read += size
        if self.read > settings.UPLOAD_ZIP_MAX_TOTAL_BYTES:
            raise _too_large()


def _check_zip(content: bytes, *, budget: _Budget, depth: int) -> set[str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _damaged() from exc
    with archive:
        infos = archive.infolist()
        budget.add_entries(len(infos))
        if len({info.filename for info in infos}) != len(infos):
            raise _damaged()  # two parts of one name: readers may disagree which counts
        # Declared sizes first: nothing is decompressed before the whole file fits.
        for info in infos:
            _check_part_name(info.filename)
            if info.flag_bits & 0x1:
                raise _damaged()  # an encrypted part cannot be checked
            budget.declare(info.file_size)
            if (
                info.file_size > RATIO_FLOOR_BYTES
                and info.file_size
                > settings.UPLOAD_ZIP_MAX_RATIO * max(info.compress_size, 1)
            ):
                raise _too_large()
        for info in infos:
            if not info.is_dir():
                _check_part(archive, info, budget=budget, depth=depth)
        return {info.filename for info in infos}


def _check_part_name(name: str) -> None:
    normal = name.replace("\\", "/")
    parts = normal.split("/")
    if (
        normal.startswith("/")
        or ".." in parts
        or ":" in normal
        or any(ord(ch) < 32 for ch in normal)
    ):
        raise _unsafe_part()
    lower = normal.lower()
    base = posixpath.basename(lower)
    if lower.endswith(tuple(settings.UPLOAD_ZIP_FORBIDDEN_SUFFIXES)):
        raise _unsafe_part()
    # Macros (VBA) and ActiveX controls: a .docx/.xlsx/.pptx is by definition the
    # macro-free format (macro files are .docm/.xlsm/.pptm), so one found here is
    # smuggled, and Office may still offer to run it.
    if base == "vbaproject.bin" or base == "vbadata.xml" or "/activex/" in f"/{lower}":
        raise _unsafe_part()


def _read_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget
) -> Iterator[bytes]:
    """The part's bytes in chunks, never more than the budget allows; a part whose
    bytes differ from its declared size or checksum is damaged."""
    try:
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                budget.consume(len(chunk))
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _damaged() from exc
    except RuntimeError as exc:  # an encrypted part
        raise _damaged() from exc


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: _Budget, depth: int
) -> None:
    lower = info.filename.lower()
    keep = lower.endswith((".bin", ".rels")) or lower.endswith(NESTED_SUFFIXES)
    kept: list[bytes] = []
    first = True
    for chunk in _read_part(archive, info, budget):
        if first and chunk[:2] == b"MZ":
            raise _unsafe_part()  # a Windows program under another name
        first = False
        if keep:
            kept.append(chunk)
    if not keep:
        return
    data = b"".join(kept)
    if lower.endswith(".bin") and OLE_PACKAGE_STREAM in data:
        raise _unsafe_part()
    if lower.endswith(".rels"):
        _check_relationships(data)
    if lower.endswith(NESTED_SUFFIXES) and data[:4] == b"PK\x03\x04":
        if depth >= MAX_DEPTH:
            raise _too_large()
        _check_zip(data, budget=budget, depth=depth + 1)


def _check_relationships(data: bytes) -> None:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise _damaged() from exc
    for rel in root:
        if rel.get("TargetMode") == "External" and str(rel.get("Type", "")).endswith(
            EXTERNAL_RELATIONSHIPS
        ):
            raise _unsafe_part()
