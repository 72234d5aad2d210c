"""Time-stamping each seal by the TSA, in the worker (ADR 0021).

The seal is made in the closing transaction and never waits for the TSA: after commit
the worker asks for the token (:func:`stamp_seal`) and records it in the chain as
``evidence.seal_timestamped``. When the TSA cannot be reached the first failure is an
incident of the meeting (the gap is part of the record) and the worker tries again,
waiting longer each time (up to an hour), until the token comes.
``manage.py stamp_seals`` tries every seal still without its token at once.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from prachum.attendance.models import IncidentKind
from prachum.evidence import timestamps as tsa
from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EvidenceChain, EvidenceEvent, Seal
from prachum.evidence.selectors import list_events
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.room.incidents import create_incident
from prachum.verify.timestamps import TSA_CHAIN, token_path

STAMPED = "stamped"
ALREADY = "already stamped"
FAILED = "failed"
GONE = "seal gone"
TSA_UNREACHABLE = "TSA_UNREACHABLE"
MAX_DELAY = dt.timedelta(hours=1)


def retry_delay(attempt: int) -> dt.timedelta:
    """One minute after the first failure, doubling, at most an hour."""
    delay: dt.timedelta = dt.timedelta(minutes=1) * 2 ** max(attempt - 1, 0)
    return min(delay, MAX_DELAY)


def _stamped(seal: Seal) -> bool:
    return EvidenceEvent.objects.filter(
        chain_id=seal.chain_id,
        kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
        payload__seal_length=seal.length,
    ).exists()


def _meeting_of(chain: EvidenceChain) -> Meeting | None:
    prefix, _, ident = chain.key.partition(":")
    if prefix != "meeting":
        return None
    return Meeting.objects.filter(pk=ident).first()


def stamp_seal(
    *, seal_id: int, attempt: int = 1, retry: Callable[[int, int], None] | None = None
) -> str:
    """Ask the TSA for the seal's token and record it; on failure record the gap as an
    incident (first attempt only) and call ``retry(seal_id, next_attempt)``."""
    seal = Seal.objects.select_related("chain").filter(pk=seal_id).first()
    if seal is None:  # the record was transferred and purged meanwhile
        return GONE
    if _stamped(seal):
        return ALREADY
    try:
        token = tsa.request_token(seal.statement)
    except tsa.TimestampUnavailableError as exc:
        if attempt == 1:
            _record_gap(seal, str(exc))
        if retry is not None:
            retry(seal_id, attempt + 1)
        return FAILED
    with transaction.atomic():
        EvidenceChain.objects.select_for_update().get(pk=seal.chain_id)
        if _stamped(seal):  # another worker was faster
            return ALREADY
        append_event(
            chain_key=seal.chain.key,
            kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
            actor=None,
            payload={
                "seal_length": seal.length,
                "head": seal.head_hash,
                "imprint": token.stamp.imprint.hex(),
                "tsa_time": token.stamp.tsa_time.isoformat(),
                "tsa_serial": str(token.stamp.serial),
                "response": base64.b64encode(token.response).decode("ascii"),
                "tsa_certificates": tsa.tsa_chain_pem(),
                "attempts": attempt,
            },
        )
    return STAMPED


def _record_gap(seal: Seal, reason: str) -> None:
    meeting = _meeting_of(seal.chain)
    if meeting is None:
        return
    with transaction.atomic():
        create_incident(
            meeting,
            kind=IncidentKind.TSA_UNREACHABLE,
            reported_by=None,
            subject=None,
            description=(
                f"{TSA_UNREACHABLE}: 1-{seal.length} {seal.head_hash[:16]} ({reason})"
            )[:1000],
        )


def pending_seals() -> list[Seal]:
    """Seals still without their token, oldest first."""
    return [s for s in Seal.objects.select_related("chain") if not _stamped(s)]


def stamp_pending(*, attempt: int = 2) -> dict[str, int]:
    """Try every seal still without its token now; counts by result."""
    counts: dict[str, int] = {}
    for seal in pending_seals():
        result = stamp_seal(seal_id=seal.pk, attempt=attempt)
        counts[result] = counts.get(result, 0) + 1
    return counts


def timestamp_files(meeting: Any) -> list[tuple[str, bytes]]:
    """Package exporter: each token as ``timestamps/seal-<length>.tsr`` (DER) and the
    TSA's certificate chain kept with the newest token."""
    files: list[tuple[str, bytes]] = []
    chain_pem = ""
    for event in list_events(chain_key=meeting.chain_key).filter(
        kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED
    ):
        payload = event.payload
        files.append(
            (
                token_path(int(payload["seal_length"])),
                base64.b64decode(payload["response"]),
            )
        )
        chain_pem = payload.get("tsa_certificates") or chain_pem
    if chain_pem:
        files.append((TSA_CHAIN, chain_pem.encode()))
    return files
