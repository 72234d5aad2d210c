"""With ``TSA_URL`` set, each PDF signature carries an RFC 3161 time-stamp from that
authority (issue 16 points 3-4, ADR 0022). The TSA is a real HTTP server on loopback
answering with pyHanko's test time-stamper, signed by its own RSA certificate."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fpdf import FPDF
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from prachum.evidence.pdf_signing import sign_pdf
from prachum.verify.pdf_signatures import check_pdf_signature

FIXED = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def _document() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="A document to time-stamp")
    return bytes(pdf.output())


def _tsa_stamper() -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loopback test TSA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(FIXED - dt.timedelta(days=1))
        .not_valid_after(FIXED + dt.timedelta(days=3650))
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(
            cert.public_bytes(serialization.Encoding.DER)
        ),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        fixed_dt=FIXED,
    )


@pytest.fixture
def loopback_tsa() -> Iterator[dict[str, Any]]:
    stamper = _tsa_stamper()
    seen: dict[str, Any] = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body))
            seen["requests"] += 1
            data = response.dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_signature_carries_the_tsa_time_when_tsa_url_is_set(
    settings: Any, loopback_tsa: dict[str, Any], tmp_path: Path
) -> None:
    document = _document()
    settings.TSA_URL = ""
    plain = check_pdf_signature(sign_pdf(document, reason="test"))
    assert plain.ok
    assert plain.timestamped_at is None

    settings.TSA_URL = loopback_tsa["url"]
    signed = sign_pdf(document, reason="test")
    assert loopback_tsa["requests"] >= 1
    check = check_pdf_signature(signed)
    assert check.ok, check
    assert check.timestamped_at == FIXED
    index = len(document) // 2
    tampered = signed[:index] + bytes([signed[index] ^ 1]) + signed[index + 1 :]
    assert not check_pdf_signature(tampered).ok
