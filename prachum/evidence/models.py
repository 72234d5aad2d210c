"""The append-only evidence chain (ARCHITECTURE §5, R34)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of the legal record."""


class EvidenceChain(models.Model):
    """The head of one chain, locked while an event is appended.

    ``key`` names what the chain is about: ``meeting:<uuid>``, ``committee:<uuid>``
    or ``system``.
    """

    key = models.CharField(max_length=80, unique=True)
    length = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.length})"


class EvidenceEvent(models.Model):
    """One event: ``hash = SHA-256(prev_hash ‖ canonical JSON of the body)``.

    Rows are never updated or deleted: the model refuses, and database triggers
    (see the migration) refuse too.
    """

    chain = models.ForeignKey(
        EvidenceChain, on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=80)
    payload = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "seq"], name="evidence_event_chain_seq"
            ),
        ]
        ordering = ["chain", "seq"]

    def __str__(self) -> str:
        return f"{self.chain.key}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("evidence events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("evidence events cannot be deleted")

    def body(self) -> dict[str, Any]:
        """The hashed body, rebuilt from the stored columns."""
        return {
            "chain": self.chain.key,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_label,
            "kind": self.kind,
            "payload": self.payload,
        }
