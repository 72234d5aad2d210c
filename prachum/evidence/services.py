"""Appending to the evidence chain. Call inside the transaction of the change recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prachum.core.actors import Actor
from prachum.core.events import EventKind
from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EVIDENCE_CHAIN, EvidenceEvent


def append_event(
    *, chain_key: str, kind: EventKind, actor: Actor | None, payload: dict[str, Any]
) -> EvidenceEvent:
    """Append one event to ``chain_key``'s chain; must run inside an atomic block.

    The chain's head row is locked so concurrent appends queue rather than fork.
    """
    return EVIDENCE_CHAIN.append(
        head={"key": chain_key},
        actor=actor,
        payload=payload,
        caller="append_event",
        kind=kind,
    )


def record_package_download(
    *, actor: Actor, package: Any, ip_address: str | None
) -> None:
    """Every download of an evidence package is logged in the chain (R41)."""
    with transaction.atomic():
        append_event(
            chain_key=package.chain.key,
            kind=EvidenceChainEvent.EVIDENCE_PACKAGE_DOWNLOADED,
            actor=actor,
            payload={
                "package": str(package.pk),
                "sha256": package.sha256,
                "ip": ip_address,
            },
        )
