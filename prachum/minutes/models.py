"""Minutes versions and their approvals (Saraban ข้อ 25; APA s.83; R48-R55)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.meetings.models import Meeting


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class ApprovalMethod(models.TextChoices):
    SAME_MEETING = "same_meeting", _("At the same meeting")
    NEXT_MEETING = "next_meeting", _("At the next meeting (agenda item 2)")
    CIRCULATION = "circulation", _("By circulation")


class MinutesVersion(models.Model):
    """One version of a meeting's minutes as structured content. Never overwritten: an
    edit or a correction is a new version; an approved version is locked (R54)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="minutes_versions"
    )
    version = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval_method = models.CharField(
        max_length=20, choices=ApprovalMethod.choices, blank=True
    )
    approved_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The approved version's PDF with the agency's PAdES signature, made once at
    # approval: the bytes offered, packaged and hashed into the chain (ADR 0022).
    signed_pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version"], name="minutes_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MinutesStatus.values),
                name="minutes_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"minutes {self.meeting_id} v{self.version} ({self.status})"

    @property
    def is_locked(self) -> bool:
        return self.status == MinutesStatus.APPROVED


class MinutesApproval(models.Model):
    """One voting member's approval of one version (R54, R55): the typed name in the
    authenticated system is the signature; the method and time are recorded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        MinutesVersion, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=ApprovalMethod.choices)
    at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    auth_method = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["version", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "approver"], name="minutes_approval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approver_id} approved {self.version_id}"
