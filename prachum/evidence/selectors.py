"""Reading and checking the evidence chain."""

from __future__ import annotations

from django.db.models import QuerySet

from prachum.domain.hashchain import ChainLink, ChainReport, verify_chain
from prachum.evidence.models import EvidenceChain, EvidenceEvent


def list_events(*, chain_key: str) -> QuerySet[EvidenceEvent]:
    return (
        EvidenceEvent.objects.filter(chain__key=chain_key)
        .select_related("chain")
        .order_by("seq")
    )


def check_chain(*, chain_key: str) -> ChainReport:
    """Recompute every hash of the chain from the stored rows and compare to the head."""
    links = (
        ChainLink(seq=e.seq, body=e.body(), prev_hash=e.prev_hash, hash=e.hash)
        for e in list_events(chain_key=chain_key).iterator()
    )
    report = verify_chain(links)
    head = (
        EvidenceChain.objects.filter(key=chain_key)
        .values_list("head_hash", "length")
        .first()
    )
    if (
        report.ok
        and head is not None
        and (head[0], head[1]) != (report.head, report.length)
    ):
        # A removed or added tail: the rows chain correctly but disagree with the head.
        from prachum.domain.hashchain import ChainProblem

        return ChainReport(
            False,
            report.length,
            report.head,
            ChainProblem(report.length + 1, "CHAIN_HEAD_MISMATCH"),
        )
    return report
