"""Appending to and checking a SHA-256 hash chain kept in a head row and its rows.

ARCHITECTURE §5: ``hash = SHA-256(prev_hash ‖ canonical JSON of the body)``
(:mod:`prachum.domain.hashchain`). Electronic Transactions Act B.E. 2544 ss.10-12 asks
that an electronic record be shown intact since it was made; a hash chain shows that
no row was changed, removed or re-ordered (R34). The evidence chain (one per meeting,
committee or account) and the operators' audit log (R70) are both kept this way, and
this is the one place that appends to such a chain or checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from prachum.core.actors import Actor
from prachum.domain.hashchain import (
    GENESIS_HASH,
    ChainLink,
    ChainProblem,
    ChainReport,
    event_hash,
    verify_chain,
)

HeadT = TypeVar("HeadT", bound=models.Model)
RowT = TypeVar("RowT", bound=models.Model)


def actor_label(actor: Actor | None) -> str:
    """A stable label for the actor: ``user:<id>`` or ``system``."""
    if actor is None:
        return "system"
    return f"user:{actor.pk}"


def refuse_floats(value: Any, path: str = "payload") -> None:
    """Floats do not come back unchanged from PostgreSQL's jsonb (``1e16`` returns as
    ``10000000000000000``, ``-0.0`` as ``0``), so their hash could never be checked
    again: record amounts and ratios as strings or integers."""
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; use a string or an integer")
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            refuse_floats(item, f"{path}[{index}]")


@dataclass(frozen=True)
class HashChain(Generic[HeadT, RowT]):
    """Where one kind of chain is kept.

    ``head_model`` has ``length`` and ``head_hash``: one row per chain, locked while a
    row is appended so concurrent appends queue rather than fork. ``row_model`` has
    ``seq``, ``at``, ``actor``, ``actor_label``, ``payload``, ``prev_hash``, ``hash``
    and ``body()`` (the hashed body, rebuilt from the stored columns); ``head_field``
    names its foreign key to the head when one table holds many chains.
    """

    head_model: type[HeadT]
    row_model: type[RowT]
    head_field: str | None = None

    def append(
        self,
        *,
        head: Mapping[str, Any],
        actor: Actor | None,
        payload: dict[str, Any],
        caller: str,
        **fields: Any,
    ) -> RowT:
        """Append one row to the chain whose head matches ``head`` (created at the
        genesis hash if missing); must run inside the transaction of the change.

        ``caller`` names the service in the error; ``fields`` are the row's own columns.
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(
                f"{caller} must run inside the transaction of the change"
            )
        refuse_floats(payload)
        heads: Any = self.head_model._default_manager
        created, _ = heads.get_or_create(**head, defaults={"head_hash": GENESIS_HASH})
        locked = heads.select_for_update().get(pk=created.pk)
        if self.head_field is not None:
            fields[self.head_field] = locked
        row: Any = self.row_model(
            seq=locked.length + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=actor_label(actor),
            payload=payload,
            prev_hash=locked.head_hash,
            **fields,
        )
        row.hash = event_hash(row.prev_hash, row.body())
        row.save()
        heads.filter(pk=locked.pk).update(length=row.seq, head_hash=row.hash)
        appended: RowT = row
        return appended

    def check(self, rows: QuerySet[RowT], *, head: Mapping[str, Any]) -> ChainReport:
        """Recompute every hash of ``rows`` (one chain, in ``seq`` order) and compare
        the result with the head row matching ``head``; name the first bad row."""
        stream: Any = rows.iterator()
        links = (
            ChainLink(seq=r.seq, body=r.body(), prev_hash=r.prev_hash, hash=r.hash)
            for r in stream
        )
        report = verify_chain(links)
        stored = (
            self.head_model._default_manager.filter(**head)
            .values_list("head_hash", "length")
            .first()
        )
        matches = (
            stored == (report.head, report.length) if stored else not report.length
        )
        if report.ok and not matches:
            # A removed or added tail: the rows chain correctly but disagree with the
            # head.
            return ChainReport(
                False,
                report.length,
                report.head,
                ChainProblem(report.length + 1, "CHAIN_HEAD_MISMATCH"),
            )
        return report
