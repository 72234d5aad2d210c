"""The transparency list: per sealed meeting, each seal's chain head, seal time and TSA
time (issue 16 point 5, ADR 0021).

Published before any dispute, it lets an auditor compare a package with what the agency
showed at the time: a chain rewritten later has other heads. It names no title and no
person: the meeting's id and number, and hashes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EvidenceEvent, Seal
from prachum.meetings.models import Meeting


@dataclass(frozen=True)
class SealRow:
    meeting_id: UUID
    meeting_number: int | None
    buddhist_year: int
    chain: str
    length: int
    head: str
    sealed_at: dt.datetime
    tsa_time: dt.datetime | None


def list_sealed(*, limit: int = 500) -> list[SealRow]:
    """The newest seals of meetings first, with the TSA's time once stamped."""
    seals = list(
        Seal.objects.filter(chain__key__startswith="meeting:")
        .select_related("chain")
        .order_by("-sealed_at")[:limit]
    )
    ids = {s.chain.key.partition(":")[2] for s in seals}
    meetings: dict[str, Any] = {
        str(m.pk): m
        for m in Meeting.objects.filter(pk__in=ids).only("number", "buddhist_year")
    }
    stamped: dict[tuple[int, int], dt.datetime] = {}
    for chain_id, payload in EvidenceEvent.objects.filter(
        chain_id__in={s.chain_id for s in seals},
        kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
    ).values_list("chain_id", "payload"):
        stamped[(chain_id, int(payload["seal_length"]))] = dt.datetime.fromisoformat(
            payload["tsa_time"]
        )
    rows = []
    for seal in seals:
        meeting = meetings.get(seal.chain.key.partition(":")[2])
        if meeting is None:
            continue
        rows.append(
            SealRow(
                meeting_id=meeting.pk,
                meeting_number=meeting.number,
                buddhist_year=meeting.buddhist_year,
                chain=seal.chain.key,
                length=seal.length,
                head=seal.head_hash,
                sealed_at=seal.sealed_at,
                tsa_time=stamped.get((seal.chain_id, seal.length)),
            )
        )
    return rows
