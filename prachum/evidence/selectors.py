"""Reading and checking the evidence chain."""

from __future__ import annotations

from django.db.models import QuerySet

from prachum.domain.hashchain import ChainReport
from prachum.evidence.models import EVIDENCE_CHAIN, EvidenceEvent


def list_events(*, chain_key: str) -> QuerySet[EvidenceEvent]:
    return (
        EvidenceEvent.objects.filter(chain__key=chain_key)
        .select_related("chain")
        .order_by("seq")
    )


def check_chain(*, chain_key: str) -> ChainReport:
    """Recompute every hash of the chain from the stored rows and compare to the head."""
    return EVIDENCE_CHAIN.check(
        list_events(chain_key=chain_key), head={"key": chain_key}
    )
