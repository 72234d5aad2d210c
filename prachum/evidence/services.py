"""Appending to the evidence chain. Call inside the transaction of the change recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.domain.hashchain import GENESIS_HASH, event_hash
from prachum.evidence.models import EvidenceChain, EvidenceEvent


def actor_label(actor: Any) -> str:
    """A stable label for the actor: ``user:<id>`` or ``system``."""
    if actor is None:
        return "system"
    return f"user:{actor.pk}"


def _refuse_floats(value: Any, path: str = "payload") -> None:
    """Floats do not come back unchanged from PostgreSQL's jsonb (``1e16`` returns as
    ``10000000000000000``, ``-0.0`` as ``0``), so their hash could never be checked
    again: record amounts and ratios as strings or integers."""
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; use a string or an integer")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def append_event(
    *, chain_key: str, kind: str, actor: Any, payload: dict[str, Any]
) -> EvidenceEvent:
    """Append one event to ``chain_key``'s chain; must run inside an atomic block.

    The chain's head row is locked so concurrent appends queue rather than fork.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_event must run inside the transaction of the change")
    _refuse_floats(payload)
    chain, _ = EvidenceChain.objects.get_or_create(
        key=chain_key, defaults={"head_hash": GENESIS_HASH}
    )
    chain = EvidenceChain.objects.select_for_update().get(pk=chain.pk)
    event = EvidenceEvent(
        chain=chain,
        seq=chain.length + 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label(actor),
        kind=kind,
        payload=payload,
        prev_hash=chain.head_hash,
    )
    event.hash = event_hash(event.prev_hash, event.body())
    event.save()
    EvidenceChain.objects.filter(pk=chain.pk).update(
        length=event.seq, head_hash=event.hash
    )
    return event
