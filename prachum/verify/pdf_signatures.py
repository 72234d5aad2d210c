"""Check the PAdES signatures of the PDFs in a package (issue 16 point 4, ADR 0022).

Django-free: the offline verifier runs it on the bytes of each PDF. A PDF passes when it
carries a signature whose digest matches the signed byte ranges (``intact``), whose
CMS signature verifies with the signer's certificate (``valid``) and which covers the
whole file (nothing was appended after signing). With ``trusted_certs`` the signer's
certificate must also chain to one of them; without, the report names the signer and
the certificate's fingerprint, for the reader to compare with what the agency
publishes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import hashlib
import io
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from prachum.verify.report import MESSAGES, Finding, Report

NO_SIGNATURE = "no signature"


@dataclasses.dataclass(frozen=True)
class PdfSignatureCheck:
    """What one PDF's signature says, and whether it holds."""

    signed: bool
    intact: bool = False
    valid: bool = False
    whole_file: bool = False
    trusted: bool | None = None  # None: no trust anchor given
    signer: str = ""
    signer_name: str = ""  # the certificate subject's common name
    certificate_sha256: str = ""
    signed_at: datetime | None = None
    timestamped_at: datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.signed
            and self.intact
            and self.valid
            and self.whole_file
            and self.trusted is not False
        )


def load_certificates(pem_or_der: bytes) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    from asn1crypto import pem

    if pem.detect(pem_or_der):
        return [
            asn1_x509.Certificate.load(der)
            for _name, _headers, der in pem.unarmor(pem_or_der, multiple=True)
        ]
    return [asn1_x509.Certificate.load(pem_or_der)]


def check_pdf_signature(
    data: bytes, *, trusted_certs: Sequence[asn1_x509.Certificate] = ()
) -> PdfSignatureCheck:
    """Validate the last signature of ``data`` (a PDF); never raises on bad input."""
    unreadable = (PdfReadError, ValueError, KeyError, TypeError, IndexError)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
    except unreadable as exc:
        # A PDF the reader cannot open is not the signed PDF, whatever it claims.
        return PdfSignatureCheck(
            signed=b"/Sig" in data, problem=f"unreadable PDF: {exc}"[:200]
        )
    try:
        signatures = reader.embedded_signatures
    except unreadable as exc:
        return PdfSignatureCheck(
            signed=True, problem=f"signature unreadable: {exc}"[:200]
        )
    if not signatures:
        return PdfSignatureCheck(signed=False, problem=NO_SIGNATURE)
    embedded = signatures[-1]
    context = ValidationContext(
        trust_roots=list(trusted_certs),
        allow_fetching=False,
        # The agency's certificate carries no revocation information (ADR 0022).
        revocation_mode="soft-fail",
    )
    try:
        with _quiet_certificate_paths():
            status = validate_pdf_signature(embedded, context, skip_diff=True)
    except (SignatureValidationError, PdfReadError, ValueError, KeyError) as exc:
        return PdfSignatureCheck(signed=True, problem=f"signature unreadable: {exc}")
    cert = status.signing_cert
    timestamp = status.timestamp_validity
    return PdfSignatureCheck(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted) if trusted_certs else None,
        signer=cert.subject.human_friendly if cert is not None else "",
        signer_name=str(cert.subject.native.get("common_name", "")) if cert else "",
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest() if cert else "",
        signed_at=status.signer_reported_dt,
        timestamped_at=timestamp.timestamp if timestamp is not None else None,
        problem=_problem(status),
    )


@contextlib.contextmanager
def _quiet_certificate_paths() -> Iterator[None]:
    """pyHanko logs a traceback at WARNING for every certificate it cannot chain to a
    trust root (every self-signed one, and every one when no root is given); the
    check's result says so already."""
    logger = logging.getLogger("pyhanko.sign.validation.generic_cms")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _problem(status: object) -> str:
    if not getattr(status, "intact", False):
        return "the signed bytes were changed"
    if not getattr(status, "valid", False):
        return "the signature does not verify"
    if getattr(status, "coverage", None) != SignatureCoverageLevel.ENTIRE_FILE:
        return "bytes were added after the signature"
    return ""


# --- In a package --------------------------------------------------------------------

#: The PDFs the agency signs, by their path in the package (the letter of every
#: notice, the approved minutes, the confirmed payment list).
SIGNED_PDFS = ("notices/*/letter.pdf", "minutes.pdf", "allowances*.pdf")

MESSAGES.update(
    {
        "PDF_SIGNATURE_INVALID": (
            "ลายมือชื่อดิจิทัลใน PDF ไม่ถูกต้อง (ไฟล์ถูกแก้ไขหลังลงนาม)",
            "the PDF's signature does not hold (changed after signing)",
        ),
        "PDF_UNSIGNED": (
            "PDF ไม่มีลายมือชื่อดิจิทัลของหน่วยงาน",
            "the PDF carries no agency signature",
        ),
        "PDF_UNTRUSTED": (
            "ผู้ลงนามใน PDF ไม่ใช่ใบรับรองที่ระบุด้วย --pdf-cert",
            "the PDF's signer is not the certificate given with --pdf-cert",
        ),
        "PDF_HASH_MISMATCH": (
            "PDF ไม่ตรงกับค่าแฮชที่บันทึกในห่วงโซ่หลักฐาน",
            "the PDF differs from the hash recorded in the evidence chain",
        ),
    }
)


def _chain_hashes(events: list[dict[str, Any]]) -> dict[str, str]:
    """The SHA-256 the chain recorded for each signed PDF, by its package path pattern."""
    hashes: dict[str, str] = {}
    for event in events:
        body = event["body"]
        payload = body["payload"]
        if body["kind"] == "notice.sent" and payload.get("letter_sha256"):
            hashes[f"notices/{payload['notice']}/letter.pdf"] = payload["letter_sha256"]
        elif body["kind"] == "minutes.approved" and payload.get("pdf_sha256"):
            hashes["minutes.pdf"] = payload["pdf_sha256"]
        elif body["kind"] == "allowances.confirmed" and payload.get("pdf_sha256"):
            hashes["allowances*.pdf"] = payload["pdf_sha256"]
    return hashes


def _describe(name: str, check: PdfSignatureCheck) -> str:
    when = check.signed_at.isoformat() if check.signed_at else "?"
    stamp = (
        f", time-stamped {check.timestamped_at.isoformat()}"
        if check.timestamped_at
        else ""
    )
    trust = {None: "", True: ", trusted", False: ", NOT trusted"}[check.trusted]
    return (
        f"{name}: PDF signed by {check.signer} at {when}{stamp}, intact{trust} "
        f"(certificate SHA-256 {check.certificate_sha256[:16]}…)"
    )


def check_package_pdfs(
    events: list[dict[str, Any]],
    files: dict[str, bytes],
    report: Report,
    *,
    trusted_certs: Sequence[asn1_x509.Certificate] = (),
) -> None:
    """Each signed PDF in the package: its signature holds, it is the PDF the chain
    hashed (where the chain records one), and it is signed by ``trusted_certs``."""
    recorded = _chain_hashes(events)
    for name in sorted(files):
        pattern = next((p for p in SIGNED_PDFS if fnmatch.fnmatch(name, p)), None)
        if pattern is None:
            continue
        data = files[name]
        expected = recorded.get(name) or recorded.get(pattern)
        if expected and hashlib.sha256(data).hexdigest() != expected:
            report.add(Finding("PDF_HASH_MISMATCH", name))
        check = check_pdf_signature(data, trusted_certs=trusted_certs)
        # The approved minutes and the confirmed list are signed when their event
        # records the PDF's hash; a letter's hash was recorded before letters were
        # signed, so an unsigned letter is a warning (its hash is still checked).
        expected_signed = pattern != "notices/*/letter.pdf" and bool(expected)
        if not check.signed:
            report.add(
                Finding(
                    "PDF_UNSIGNED",
                    name,
                    detail=check.problem,
                    warning=not expected_signed,
                )
            )
        elif not (check.intact and check.valid and check.whole_file):
            report.add(Finding("PDF_SIGNATURE_INVALID", name, detail=check.problem))
        elif check.trusted is False:
            report.add(Finding("PDF_UNTRUSTED", name, detail=check.signer))
        else:
            report.checked.append(_describe(name, check))
