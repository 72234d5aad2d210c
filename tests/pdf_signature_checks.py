"""Read a signed PDF back as an ordinary reader would: pyHanko's validator and poppler's
``pdfsig`` (issue 16 point 4, ADR 0022). Shared by the letter, minutes and payment list
tests; no fixtures here."""

from __future__ import annotations

import subprocess
from pathlib import Path

from prachum.evidence.pdf_signing import DEMO_SUBJECT_CN, certificate_pem
from prachum.verify.pdf_signatures import (
    PdfSignatureCheck,
    check_pdf_signature,
    load_certificates,
)


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed-check.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


def flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def rendered_end(data: bytes) -> int:
    """Where the rendered document ends and the signature's incremental update begins."""
    return data.index(b"%%EOF") + len(b"%%EOF")


def assert_signed_by_the_agency(data: bytes, tmp_path: Path) -> PdfSignatureCheck:
    """The PDF's agency signature holds for pyHanko (trusted to the agency's
    certificate) and for pdfsig, and one changed byte anywhere breaks it."""
    trusted = load_certificates(certificate_pem())
    check = check_pdf_signature(data, trusted_certs=trusted)
    assert check.ok, check
    assert (check.intact, check.valid, check.whole_file, check.trusted) == (
        True,
        True,
        True,
        True,
    )
    assert DEMO_SUBJECT_CN in check.signer
    assert check.signed_at is not None
    reader = pdfsig(data, tmp_path)
    assert "Signature Validation: Signature is Valid." in reader, reader
    assert "Total document signed" in reader, reader
    assert DEMO_SUBJECT_CN in reader, reader

    # One byte in the rendered document, in the signature's update (its dictionary,
    # the CMS signature) and in the trailer after it.
    start = rendered_end(data)
    contents = data.rindex(b"/Contents <") + len(b"/Contents <")
    for index in (start // 2, start + 20, contents + 200, len(data) - 30):
        tampered = flipped(data, index)
        after = check_pdf_signature(tampered, trusted_certs=trusted)
        assert not after.ok, (index, after)
    inside = check_pdf_signature(flipped(data, start // 2), trusted_certs=trusted)
    assert (inside.signed, inside.intact) == (True, False), inside
    reader = pdfsig(flipped(data, start // 2), tmp_path)
    assert "Signature is Valid" not in reader, reader
    return check
