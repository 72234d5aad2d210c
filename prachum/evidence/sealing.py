"""Sealing a chain: the agency signs its head (ETA B.E. 2544 ss.10-12; R34, R35)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.core.actors import Actor
from prachum.evidence import keys, timestamps
from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EvidenceChain, Seal
from prachum.evidence.services import append_event
from prachum.verify.signing import sign


def seal_statement(*, chain: EvidenceChain, sealed_at: Any) -> dict[str, Any]:
    """What the signature covers: which chain, how long, its head, when, with which key."""
    return {
        "format": "prachum-seal/1",
        "chain": chain.key,
        "length": chain.length,
        "head": chain.head_hash,
        "sealed_at": sealed_at.isoformat(),
        "key": keys.verify_key_fingerprint(),
    }


def seal_chain(*, chain_key: str, actor: Actor | None) -> Seal:
    """Sign the chain's current head, then record the seal as the next event.

    Must run inside the transaction of the change that ends the record (closing the
    meeting), so the signed head is exactly the record at that moment.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("seal_chain must run inside the closing transaction")
    chain = EvidenceChain.objects.select_for_update().get(key=chain_key)
    now = timezone.now()
    statement = seal_statement(chain=chain, sealed_at=now)
    seal = Seal.objects.create(
        chain=chain,
        length=chain.length,
        head_hash=chain.head_hash,
        sealed_at=now,
        key_fingerprint=statement["key"],
        signature=sign(keys.signing_key(), statement),
        statement=statement,
    )
    append_event(
        chain_key=chain_key,
        kind=EvidenceChainEvent.EVIDENCE_SEALED,
        actor=actor,
        payload={"statement": statement, "signature": seal.signature},
    )
    # A trusted time-stamp of the statement, asked by the worker after commit (ADR 0021).
    timestamps.schedule_stamp(seal)
    return seal
