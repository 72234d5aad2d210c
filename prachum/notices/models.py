"""The written notice of a meeting and the exact copies of what was sent (R9-R12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.core.models import TimeStampedModel
from prachum.meetings.models import Meeting


class NoticeKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    # เลื่อนการประชุม: a new date, time or venue
    POSTPONEMENT = "postponement", _("Postponement")
    CANCELLATION = "cancellation", _("Cancellation")  # ยกเลิกการประชุม


class Signatory(models.TextChoices):
    """Who signs the letter (ผู้ลงนาม), chosen when it is sent (R63)."""

    SECRETARY_FOR_CHAIR = (
        "secretary_for_chair",
        _("The secretary, signing on the chair's behalf"),
    )
    CHAIR = "chair", _("The chair")
    AGENCY_HEAD = "agency_head", _("The head of the agency")


class Notice(TimeStampedModel):
    """A letter sent about a meeting; never changed: a postponement is a new notice
    that ``supersedes`` the one before (ADR 0015)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="notices"
    )
    letter_number = models.CharField(max_length=80)
    letter_pdf = models.BinaryField()
    letter_sha256 = models.CharField(max_length=64)
    ics = models.BinaryField()
    ics_sha256 = models.CharField(max_length=64)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    notice_rule_code = models.CharField(max_length=60)
    kind = models.CharField(
        max_length=20, choices=NoticeKind.choices, default=NoticeKind.INVITATION
    )
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    reason = models.TextField(blank=True)
    # The meeting's time as this notice gave it (a postponement keeps the old one too).
    meeting_starts_at = models.DateTimeField(null=True, blank=True)
    previous_starts_at = models.DateTimeField(null=True, blank=True)
    # Empty on notices sent before the choice existed (the sender signed them).
    signatory = models.CharField(
        _("signed by"), max_length=30, choices=Signatory.choices, blank=True
    )


class NoticeMessage(TimeStampedModel):
    """One e-mail to one recipient: the exact bytes handed to the mail server (R11)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        # Handed to the mail server by a worker that has not yet heard back; a worker
        # that dies here leaves it so, and the next start marks it failed (issue 15).
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sender = models.EmailField()
    recipient_email = models.EmailField()
    message_id = models.CharField(max_length=250, unique=True)
    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
