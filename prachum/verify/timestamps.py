"""Trusted time-stamps (RFC 3161) over the seals of the chain, checked offline.

Each seal's statement (chain, length, head, time, key) is hashed with SHA-256 over its
canonical JSON and that digest is sent to the Time-Stamping Authority; the TSA's signed
response (``timestamps/seal-<length>.tsr``, and base64 in the ``evidence.seal_timestamped``
event) says the statement existed at the TSA's time. A chain rewritten and re-sealed later
with the agency key has another head, so its statement no longer matches the earlier
token (ADR 0021). Django-free: only the package, the TSA certificate and
``rfc3161-client``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from rfc3161_client import (
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from prachum.domain.hashchain import canonical_json
from prachum.verify.report import Finding, Report

SEALED = "evidence.sealed"
TIMESTAMPED = "evidence.seal_timestamped"
FOLDER = "timestamps/"
TSA_CHAIN = "timestamps/tsa-chain.pem"
#: A TSA time this long after the seal's own time is shown as a warning: an honest
#: stamp waits only for the TSA to be reachable again (each gap is an incident).
LATE_AFTER = dt.timedelta(hours=24)


def token_path(seal_length: int) -> str:
    return f"{FOLDER}seal-{seal_length}.tsr"


def seal_message(statement: Mapping[str, Any]) -> bytes:
    """The bytes whose SHA-256 the TSA stamps: the seal statement's canonical JSON."""
    return canonical_json(statement)


def seal_digest(statement: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(seal_message(statement)).digest()


@dataclass(frozen=True)
class Stamp:
    """What a TSA response says: the digest it covers and its time."""

    imprint: bytes
    tsa_time: dt.datetime
    serial: int


def read_response(der: bytes) -> tuple[TimeStampResponse, Stamp]:
    """Parse a TimeStampResp (DER); ``ValueError`` when it is not one or not granted."""
    try:
        response = decode_timestamp_response(der)
        info = response.tst_info
        stamp = Stamp(
            imprint=bytes(info.message_imprint.message),
            tsa_time=info.gen_time.replace(tzinfo=dt.UTC)
            if info.gen_time.tzinfo is None
            else info.gen_time,
            serial=int(info.serial_number),
        )
    except Exception as exc:  # the parser raises its own, undocumented errors
        raise ValueError(f"not a time-stamp response: {exc}") from exc
    if int(response.status) not in (0, 1):  # granted, granted with modifications
        raise ValueError(f"the TSA refused: status {response.status}")
    return response, stamp


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (``ValueError`` if none)."""
    certificates = x509.load_pem_x509_certificates(pem)
    if not certificates:
        raise ValueError("no certificate")
    return certificates


def check_signed_by(
    response: TimeStampResponse,
    digest: bytes,
    roots: list[x509.Certificate],
    intermediates: list[x509.Certificate],
) -> None:
    """The response covers ``digest`` and is signed by a TSA certificate that chains
    to one of ``roots``; raises ``VerificationError`` otherwise. ``rfc3161-client``
    trusts every certificate it is given, intermediates too: pass only trusted ones."""
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    for certificate in intermediates:
        if certificate not in roots:
            builder = builder.add_intermediate_certificate(certificate)
    builder.build().verify(response, digest)


def _seals(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {
        int(e["body"]["payload"]["statement"]["length"]): e["body"]["payload"][
            "statement"
        ]
        for e in events
        if e["body"]["kind"] == SEALED
    }


def _parse_time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def check_timestamps(
    events: list[dict[str, Any]],
    files: dict[str, bytes],
    report: Report,
    *,
    tsa_pem: bytes | None,
) -> None:
    """Each token matches its seal's statement (always) and, given ``tsa_pem``, is
    signed by that TSA; with ``tsa_pem`` every seal must have its token."""
    try:
        _check(events, files, report, tsa_pem=tsa_pem)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        report.add(
            Finding("TIMESTAMP_INVALID", FOLDER, detail=f"unreadable: {exc}"[:200])
        )


def _check(
    events: list[dict[str, Any]],
    files: dict[str, bytes],
    report: Report,
    *,
    tsa_pem: bytes | None,
) -> None:
    roots: list[x509.Certificate] = []
    if tsa_pem is not None:
        try:
            roots = load_certificates(tsa_pem)
        except ValueError as exc:
            report.add(Finding("TSA_CERT_INVALID", "--tsa-cert", detail=str(exc)[:200]))
            return
    # The chain kept in the package (TSA_CHAIN) is for the reader; it is never trusted:
    # only what the auditor gives with --tsa-cert is.
    intermediates: list[x509.Certificate] = []
    seals = _seals(events)
    stamped: set[int] = set()
    for event in events:
        body = event["body"]
        if body["kind"] != TIMESTAMPED:
            continue
        payload = body["payload"]
        length = int(payload["seal_length"])
        path = token_path(length)
        try:
            der = base64.b64decode(payload["response"], validate=True)
        except (binascii.Error, ValueError):
            report.add(Finding("TIMESTAMP_INVALID", path, event=body["seq"]))
            continue
        if path in files and files[path] != der:
            report.add(Finding("TIMESTAMP_FILE_MISMATCH", path, event=body["seq"]))
        statement = seals.get(length)
        if statement is None:
            report.add(
                Finding(
                    "TIMESTAMP_MISMATCH", path, event=body["seq"], detail="no such seal"
                )
            )
            continue
        try:
            response, stamp = read_response(der)
        except ValueError as exc:
            report.add(
                Finding("TIMESTAMP_INVALID", path, event=body["seq"], detail=str(exc))
            )
            continue
        digest = seal_digest(statement)
        if stamp.imprint != digest:
            report.add(
                Finding(
                    "TIMESTAMP_MISMATCH",
                    path,
                    event=body["seq"],
                    detail=f"seal of events 1-{length}, head {statement.get('head')}",
                )
            )
            continue
        stamped.add(length)
        tsa_time = stamp.tsa_time.isoformat()
        if roots:
            try:
                check_signed_by(response, digest, roots, intermediates)
            except (VerificationError, ValueError) as exc:
                report.add(
                    Finding(
                        "TIMESTAMP_UNTRUSTED",
                        path,
                        event=body["seq"],
                        detail=str(exc)[:200],
                    )
                )
                continue
            report.checked.append(
                f"time-stamp of the seal of events 1-{length}: TSA time {tsa_time}"
            )
        sealed_at = _parse_time(statement.get("sealed_at"))
        if sealed_at is not None and stamp.tsa_time - sealed_at > LATE_AFTER:
            report.add(
                Finding(
                    "TIMESTAMP_LATE",
                    path,
                    event=body["seq"],
                    detail=f"sealed {sealed_at.isoformat()}, TSA {tsa_time}",
                    warning=True,
                )
            )
    if tsa_pem is None:
        if stamped:
            report.add(Finding("TSA_NOT_CHECKED", FOLDER, warning=True))
        return
    for length in sorted(set(seals) - stamped):
        report.add(
            Finding(
                "TIMESTAMP_MISSING",
                token_path(length),
                detail=f"seal of events 1-{length}",
            )
        )
