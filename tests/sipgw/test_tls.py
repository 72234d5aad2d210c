"""SIP over TLS, and mutual TLS: a client certificate from the agency's VCS CA marks
the call ``tls_client_verified`` (the only case a SIP URI may identify a member)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from prachum.sipgw.message import SipMessage, StreamFramer
from tests.sipgw.rawsip import Calls, running, sdp_offer
from tests.sipgw.sipp import free_udp_port, loopback_config

pytestmark = pytest.mark.asyncio


def _certificate(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name = (
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])])
        if issuer
        else subject
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _write(
    folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[str, str]:
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def make_pki(folder: Path) -> dict[str, tuple[str, str]]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("VCS CA", ca_key, None, ca=True)
    files = {"ca": _write(folder, "ca", ca, ca_key)}
    for name in ("server", "vcs"):
        key = ec.generate_private_key(ec.SECP256R1())
        files[name] = _write(
            folder, name, _certificate(name, key, ("VCS CA", ca_key), ca=False), key
        )
    return files


async def tls_invite(
    port: int, ca_file: str, client: tuple[str, str] | None
) -> SipMessage:
    context = ssl.create_default_context(cafile=ca_file)
    if client:
        context.load_cert_chain(*client)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
    )
    body = sdp_offer(4000)
    invite = (
        "INVITE sip:5555@127.0.0.1 SIP/2.0\r\n"
        "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKtls1\r\n"
        "From: <sip:room@moi.go.th>;tag=t1\r\nTo: <sip:5555@127.0.0.1>\r\n"
        "Call-ID: tls-" + str(client is not None) + "\r\nCSeq: 1 INVITE\r\n"
        "Contact: <sip:room@127.0.0.1:5061;transport=tls>\r\n"
        "P-Asserted-Identity: <sip:somchai@moi.go.th>\r\n"
        f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    writer.write(invite.encode())
    framer = StreamFramer()
    try:
        for _ in range(20):
            chunk = await asyncio.wait_for(reader.read(4096), 5)
            for message in framer.feed(chunk):
                if message is not None and message.status == 200:
                    return message
            if not chunk:
                break
        raise AssertionError("no 200 OK over TLS")
    finally:
        writer.close()


async def test_mutual_tls_marks_the_call_verified_and_plain_tls_does_not(
    tmp_path: Path,
) -> None:
    pki = make_pki(tmp_path)
    calls = Calls()
    config = loopback_config(
        tls_port=free_udp_port(),
        tls_cert_file=pki["server"][0],
        tls_key_file=pki["server"][1],
        tls_client_ca_file=pki["ca"][0],
    )
    async with running(config, calls) as server:
        port = server.bound["tls"][1]
        answered = await tls_invite(port, pki["ca"][0], pki["vcs"])
        assert answered.get("Contact").endswith(";transport=tls>")
        await tls_invite(port, pki["ca"][0], None)
        await asyncio.sleep(0.2)
        by_id = {c.call_id: c for c in calls.seen}
        assert by_id["tls-True"].transport == "tls"
        assert by_id["tls-True"].tls_client_verified is True
        assert by_id["tls-True"].asserted_identity == "sip:somchai@moi.go.th"
        assert by_id["tls-True"].dialled == "5555"
        assert by_id["tls-False"].transport == "tls"
        assert by_id["tls-False"].tls_client_verified is False
