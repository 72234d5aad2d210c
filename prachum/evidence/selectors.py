"""Reading and checking the evidence chain."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from prachum.domain.hashchain import ChainReport
from prachum.evidence.models import EVIDENCE_CHAIN, EvidenceEvent, EvidencePackage


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


def latest_package(*, meeting_id: Any) -> EvidencePackage | None:
    """The newest evidence package asked for a meeting (its build progress or file)."""
    return (
        EvidencePackage.objects.filter(subject_id=meeting_id)
        .order_by("-requested_at")
        .first()
    )
