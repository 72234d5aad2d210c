"""Asking a Time-Stamping Authority (RFC 3161) to stamp each seal (ADR 0021).

``TSA_URL`` names the TSA (empty: no stamping); ``TSA_CA_FILE`` its certificate chain
(PEM), kept with every token. Sealing sends :data:`stamp_requested` once the sealing
transaction commits; the archive app, which may record incidents, connects it in its
``AppConfig.ready()`` and queues the worker (:mod:`prachum.archive.timestamps`). The
seal never waits for the TSA.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from prachum.verify.timestamps import (
    Stamp,
    check_signed_by,
    load_certificates,
    read_response,
    seal_digest,
    seal_message,
)

#: Sent after the sealing transaction commits; ``seal_id`` (int).
stamp_requested = Signal()

CONTENT_TYPE = "application/timestamp-query"


class TimestampUnavailableError(Exception):
    """The TSA could not be reached or did not answer with a valid token."""


def stamping_enabled() -> bool:
    return bool(getattr(settings, "TSA_URL", ""))


def schedule_stamp(seal: Any) -> None:
    """Ask for the seal's time-stamp once the sealing transaction commits."""
    if not stamping_enabled():
        return
    seal_id = seal.pk
    transaction.on_commit(lambda: stamp_requested.send(sender=None, seal_id=seal_id))


def tsa_chain_pem() -> str:
    """The TSA's certificate chain from ``TSA_CA_FILE`` ('' when not configured)."""
    name = getattr(settings, "TSA_CA_FILE", "")
    return Path(name).read_text() if name else ""


@dataclass(frozen=True)
class Token:
    response: bytes  # the TimeStampResp, DER
    stamp: Stamp


def request_token(statement: dict[str, Any]) -> Token:
    """Send the seal statement's digest to ``TSA_URL``; check the answer covers it
    (and, with ``TSA_CA_FILE``, that the TSA signed it); raise
    :class:`TimestampUnavailableError` on any failure."""
    query = (
        TimestampRequestBuilder()
        .data(seal_message(statement))
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    request = urllib.request.Request(
        settings.TSA_URL,
        data=query.as_bytes(),
        headers={"Content-Type": CONTENT_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(
            request, timeout=settings.TSA_TIMEOUT_SECONDS
        ) as answer:
            der = answer.read(1 << 20)
    except (OSError, urllib.error.URLError) as exc:
        raise TimestampUnavailableError(f"TSA unreachable: {exc}") from exc
    try:
        response, stamp = read_response(der)
    except ValueError as exc:
        raise TimestampUnavailableError(str(exc)) from exc
    digest = seal_digest(statement)
    if stamp.imprint != digest or response.tst_info.nonce != query.nonce:
        raise TimestampUnavailableError("the TSA answered for another request")
    chain = tsa_chain_pem()
    if chain:
        certificates = load_certificates(chain.encode())
        try:
            check_signed_by(response, digest, certificates[-1:], certificates[:-1])
        except Exception as exc:  # VerificationError and the parser's own errors
            raise TimestampUnavailableError(
                f"not signed by TSA_CA_FILE: {exc}"
            ) from exc
    return Token(response=der, stamp=stamp)
