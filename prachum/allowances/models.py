"""A meeting's allowance list (เบี้ยประชุม), computed from the record (R56-R62).

A run is computed as a draft, reviewed by the secretary and confirmed; a confirmed run
and its lines are never changed (the payment list is paid from it).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.committees.models import AllowanceKind, Role
from prachum.meetings.models import Meeting


class ConfirmedRunError(Exception):
    """Raised when code tries to change a confirmed allowance run or its lines."""


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class AllowanceRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="allowance_runs"
    )
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    quorate = models.BooleanField()
    presiding = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rate_kind = models.CharField(max_length=20)
    rate_amount = models.DecimalField(max_digits=12, decimal_places=2)
    rate_source = models.CharField(max_length=300, blank=True)
    warnings = models.JSONField(default=list)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The confirmed list's PDF with the agency's PAdES signature, made once at
    # confirmation: the bytes offered and packaged (ADR 0022).
    signed_pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(status="confirmed"),
                name="allowance_one_confirmed_run_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"allowances {self.meeting_id} {self.status} {self.total}"

    @property
    def rate_kind_label(self) -> str:
        """The kind of rate in words ("รายครั้ง"), as the committee's rate page says."""
        if self.rate_kind in AllowanceKind.values:
            return str(AllowanceKind(self.rate_kind).label)
        return self.rate_kind


class AllowanceLine(models.Model):
    run = models.ForeignKey(
        AllowanceRun, on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    mode = models.CharField(max_length=10, blank=True)  # in_room / remote / ""
    identity_method = models.CharField(max_length=20, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason_code = models.CharField(max_length=60)
    clause = models.CharField(max_length=300)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="allowance_line_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.amount} {self.reason_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if AllowanceRun.objects.filter(
            pk=self.run_id, status=RunStatus.CONFIRMED
        ).exists():
            raise ConfirmedRunError("a confirmed allowance run cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.run.status == RunStatus.CONFIRMED:
            raise ConfirmedRunError("a confirmed allowance run cannot be changed")
        return super().delete(*args, **kwargs)
