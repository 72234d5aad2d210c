"""The agency's PAdES signature on the PDFs it issues (issue 16 point 4, ADR 0022).

The invitation letter, the approved minutes and the confirmed payment list are signed
once, when they are made, and the signed bytes are what is stored, sent and packaged.
Any PDF reader shows who signed and when; ``prachum verify`` checks each signature
(:mod:`prachum.verify.pdf_signatures`).

The certificate and its key come from configuration (``AGENCY_PDF_CERT_FILE`` and
``AGENCY_PDF_KEY_FILE``, PEM, an ECDSA or RSA key: ordinary readers do not understand
Ed25519 in PDF signatures, so the evidence chain's Ed25519 key is not reused). Without
them a self-signed ECDSA P-256 certificate is generated on first use into
``var/secrets``; its subject says it is a demo. With ``TSA_URL`` set each signature
also carries an RFC 3161 time-stamp from that authority.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from prachum.core.private_files import write_private_bytes

logger = logging.getLogger(__name__)

DEMO_SUBJECT_CN = "Prachum DEMO signature - not a trusted certificate"
FIELD_NAME = "AgencySignature"
SIGNATURE_BYTES = 8192
LOCATION = "Prachum"


@dataclasses.dataclass(frozen=True)
class AgencyPdfCertificate:
    """Where the signing certificate and key are, and whether they are the demo pair."""

    cert_file: Path
    key_file: Path
    demo: bool


def configured_certificate() -> AgencyPdfCertificate:
    cert = str(getattr(settings, "AGENCY_PDF_CERT_FILE", "") or "")
    key = str(getattr(settings, "AGENCY_PDF_KEY_FILE", "") or "")
    if cert and key:
        return AgencyPdfCertificate(Path(cert), Path(key), demo=False)
    folder = Path(settings.SIGNING_KEY_FILE).parent
    return AgencyPdfCertificate(
        folder / "agency-pdf-demo-cert.pem",
        folder / "agency-pdf-demo-key.pem",
        demo=True,
    )


def _make_demo_pair(where: AgencyPdfCertificate) -> None:
    """A self-signed ECDSA P-256 certificate whose subject says it is a demo."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SUBJECT_CN),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Prachum (DEMO)"),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, "Demo only - not for official use"
            ),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .sign(key, hashes.SHA256())
    )
    write_private_bytes(
        where.key_file,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    write_private_bytes(where.cert_file, cert.public_bytes(serialization.Encoding.PEM))


@lru_cache(maxsize=4)
def _signer(cert_file: str, key_file: str) -> signers.SimpleSigner:
    loaded = signers.SimpleSigner.load(key_file, cert_file)  # type: ignore[no-untyped-call]
    if not isinstance(loaded, signers.SimpleSigner) or loaded.signing_cert is None:
        raise ValueError(f"cannot load the PDF signing key {key_file} / {cert_file}")
    return loaded


def agency_signer() -> tuple[signers.SimpleSigner, AgencyPdfCertificate]:
    where = configured_certificate()
    if where.demo and not (where.cert_file.exists() and where.key_file.exists()):
        _make_demo_pair(where)
    return _signer(str(where.cert_file), str(where.key_file)), where


def certificate_pem() -> bytes:
    """The signing certificate, PEM (to publish, and to give ``prachum verify``)."""
    _signer_obj, where = agency_signer()
    return where.cert_file.read_bytes()


@dataclasses.dataclass(frozen=True)
class SignerIdentity:
    name: str
    certificate_sha256: str
    demo: bool


def signer_identity() -> SignerIdentity:
    """Who the PDFs are signed by, for the pages that offer them."""
    signer, where = agency_signer()
    cert = signer.signing_cert
    assert cert is not None, "checked when loaded"
    return SignerIdentity(
        name=cert.subject.human_friendly,
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest(),
        demo=where.demo,
    )


def _timestamper() -> TimeStamper | None:
    url = str(getattr(settings, "TSA_URL", "") or "")
    return HTTPTimeStamper(url) if url else None


def sign_pdf_without_stamp(
    data: bytes, *, meta: signers.PdfSignatureMetadata, signer: Any
) -> bytes:
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data), strict=False), meta, signer=signer
    )
    return bytes(out.getvalue())


def sign_pdf(data: bytes, *, reason: str) -> bytes:
    """``data`` with the agency's PAdES signature appended (an incremental update).

    The original bytes are kept unchanged at the start of the result, so the document a
    reader sees is the one that was rendered.
    """
    signer, _where = agency_signer()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=LOCATION,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    timestamper = _timestamper()
    # Without a time-stamp the signature (one certificate, no chain) fits in 8 KiB:
    # reserving it skips pyHanko's trial signature, which halves the signing time.
    # A TSA token's size is not known ahead, so pyHanko estimates it then.
    reserved = None if timestamper else SIGNATURE_BYTES
    try:
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
            meta,
            signer=signer,
            timestamper=timestamper,
            bytes_reserved=reserved,
        )
    except TimestampRequestError:
        # The TSA is away: the document is signed all the same, without its stamp
        # (the seal's own stamp is retried and its gap is an incident; ADR 0021).
        logger.warning("PDF signed without a time-stamp: the TSA did not answer")
        return sign_pdf_without_stamp(data, meta=meta, signer=signer)
    except SigningError:
        if reserved is None:
            raise
        out = signers.sign_pdf(  # a larger certificate than planned: estimate
            IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
            meta,
            signer=signer,
            timestamper=timestamper,
        )
    return bytes(out.getvalue())
