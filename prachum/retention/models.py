"""Retention policies, legal holds and the operators' audit log (R40, R69, R70).

See docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.committees.models import Committee
from prachum.evidence.chain import HashChain
from prachum.meetings.models import Meeting
from prachum.retention import rules


class RecordClass(models.TextChoices):
    """What a retention policy applies to.

    ``minutes_package`` is a meeting's whole record (Decree s.9 last paragraph: the
    recordings and traffic data form part of the minutes): its evidence chain, notices,
    documents, attendance, incidents and package zips. ``documents`` is the Saraban
    period of the meeting papers kept with it (Decree s.8); a meeting's record goes only
    when both periods, and the traffic-data period, have passed.
    """

    TRAFFIC_DATA = "traffic_data", _("Traffic data")
    MINUTES_PACKAGE = "minutes_package", _("Minutes package (the meeting's record)")
    LOGIN_AUDIT = "login_audit", _("Login audit (account chains)")
    DOCUMENTS = "documents", _("Meeting documents")


class RetentionPolicy(models.Model):
    """One entry of the agency's retention schedule (National Archives Act s.7).

    The policy in force for a class is the one whose ``effective_from``..``effective_to``
    covers today; a change is a new row that closes the previous one (the services do
    this and write the audit log).
    """

    record_class = models.CharField(
        _("record class"), max_length=30, choices=RecordClass.choices
    )
    keep_days = models.PositiveIntegerField(_("keep for (days)"))
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_("The entry of the agency's retention schedule this comes from."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record_class", "-effective_from"]
        verbose_name_plural = "retention policies"
        constraints = [
            models.UniqueConstraint(
                fields=["record_class", "effective_from"],
                name="retention_policy_one_per_start",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="retention_policy_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_class}: {self.keep_days} days from {self.effective_from}"

    def clean(self) -> None:
        if self.keep_days is not None and rules.below_floor(self.keep_days):
            raise ValidationError(
                {
                    "keep_days": _(
                        "At least %(days)d days: the Computer-Related Crime Act s.26 "
                        "requires traffic data to be kept that long."
                    )
                    % {"days": rules.CCA_FLOOR_DAYS}
                },
                code="below_cca_floor",
            )


class HoldScope(models.TextChoices):
    MEETING = "meeting", _("One meeting")
    COMMITTEE = "committee", _("Every meeting of a committee")


class LegalHold(models.Model):
    """Nothing of a held meeting (or of any meeting of a held committee) is purged.

    A hold is never deleted; releasing it records who and when. ``target`` keeps the
    subject's key after the meeting row is gone (a released hold outlives the purge).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=HoldScope.choices)
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_holds",
    )
    committee = models.ForeignKey(
        Committee,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
    )
    target = models.CharField(max_length=80)
    reason = models.TextField(_("reason"))
    reference = models.CharField(
        _("reference"),
        max_length=300,
        blank=True,
        help_text=_("The order, letter or case number that requires the hold."),
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="meeting", committee__isnull=True)
                    | models.Q(
                        scope="committee",
                        committee__isnull=False,
                        meeting__isnull=True,
                    )
                ),
                name="legal_hold_scope_matches_target",
            ),
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True, released_by__isnull=True)
                | models.Q(released_at__isnull=False, released_by__isnull=False),
                name="legal_hold_release_complete",
            ),
        ]

    def __str__(self) -> str:
        state = "released" if self.released_at else "active"
        return f"hold on {self.target} ({state})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("legal holds are released, never deleted")


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit log entry."""


class AuditLogHead(models.Model):
    """The single head of the audit log's hash chain, locked while an entry is added.

    Database triggers refuse to delete an entry while this row exists (the one way
    Django's test flush on SQLite can empty the table; see migration 0002).
    """

    length = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit log ({self.length})"


class AuditLog(models.Model):
    """What operators did to the record: policies, holds, purges, refusals (R70).

    Append-only and hash-chained like the evidence chain
    (``hash = SHA-256(prev_hash ‖ canonical JSON of the body)``): the model refuses to
    change or delete a row, and so do database triggers.
    """

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80)
    target = models.CharField(max_length=120)
    payload = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit log entries cannot be deleted")

    def body(self) -> dict[str, Any]:
        """The hashed body, rebuilt from the stored columns."""
        return {
            "log": "retention.audit",
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor_label,
            "action": self.action,
            "target": self.target,
            "payload": self.payload,
        }


#: The audit log is one chain: a single head row (``AUDIT_HEAD``), every entry behind it.
AUDIT_CHAIN = HashChain(AuditLogHead, AuditLog)
AUDIT_HEAD = {"pk": 1}
