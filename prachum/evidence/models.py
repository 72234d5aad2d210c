"""The append-only evidence chain (ARCHITECTURE §5, R34)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.evidence.chain import HashChain


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


#: The evidence chains: one head row per subject, its events chained behind it.
EVIDENCE_CHAIN = HashChain(EvidenceChain, EvidenceEvent, head_field="chain")


class Seal(models.Model):
    """The chain head of a closed meeting, signed with the agency's Ed25519 key (R34)."""

    chain = models.ForeignKey(
        EvidenceChain, on_delete=models.PROTECT, related_name="seals"
    )
    length = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    key_fingerprint = models.CharField(max_length=120)
    signature = models.CharField(max_length=200)
    statement = models.JSONField()

    class Meta:
        ordering = ["sealed_at"]

    def __str__(self) -> str:
        return f"seal {self.chain.key}#{self.length}"


class EvidencePackage(models.Model):
    """One built evidence package (a zip) for a meeting, with its build progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be built")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be built")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.ForeignKey(
        EvidenceChain, on_delete=models.PROTECT, related_name="packages"
    )
    subject_id = models.UUIDField()  # the meeting
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=100, blank=True)
    path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    chain_length = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"package {self.id} {self.status}"
