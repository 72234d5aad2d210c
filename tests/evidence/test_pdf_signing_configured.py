"""The agency's own certificate from configuration signs the PDFs (ADR 0022): an RSA
certificate, large enough that its signature does not fit the space reserved for the
usual one, still signs and validates, and is not called a demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from fpdf import FPDF

from prachum.evidence.pdf_signing import (
    configured_certificate,
    sign_pdf,
    signer_identity,
)
from prachum.verify.pdf_signatures import check_pdf_signature, load_certificates

AGENCY = "สำนักงานทดสอบ"


def _agency_pair(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, AGENCY)])
    now = dt.datetime.now(dt.UTC)
    # Many alternative names make the certificate (and so the signature) large.
    names = [x509.DNSName(f"host{n}.agency.example.go.th") for n in range(120)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "agency-cert.pem", folder / "agency-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_a_configured_rsa_certificate_signs_even_when_larger_than_planned(
    settings: Any, tmp_path: Path
) -> None:
    cert_file, key_file = _agency_pair(tmp_path)
    assert len(cert_file.read_bytes()) > 4096
    settings.AGENCY_PDF_CERT_FILE = str(cert_file)
    settings.AGENCY_PDF_KEY_FILE = str(key_file)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Letter")
    signed = sign_pdf(bytes(pdf.output()), reason="test")
    check = check_pdf_signature(
        signed, trusted_certs=load_certificates(cert_file.read_bytes())
    )
    assert check.ok, check
    assert check.trusted is True
    assert check.signer_name == AGENCY
    assert not configured_certificate().demo
    assert not signer_identity().demo
    assert not (
        Path(settings.SIGNING_KEY_FILE).parent / "agency-pdf-demo-key.pem"
    ).exists()
