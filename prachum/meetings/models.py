"""Meetings, their agenda and documents (R4, R19, R20, R43, R53)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prachum.committees.models import Committee
from prachum.core.models import TimeStampedModel


class MeetingMode(models.TextChoices):
    IN_ROOM = "in_room", _("In the meeting room")
    ELECTRONIC = "electronic", _("Electronic")
    HYBRID = "hybrid", _("Hybrid (room and electronic)")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NOTIFIED = "notified", _("Notice sent")
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class LiveMeetingManager(models.Manager["Meeting"]):
    """Meetings that were not deleted as drafts: every list and look-up (ADR 0015)."""

    def get_queryset(self) -> models.QuerySet[Meeting]:
        return super().get_queryset().filter(deleted_at__isnull=True)


# A meeting that is over: nothing more may be recorded for it before or during it.
MEETING_OVER = frozenset({MeetingStatus.CLOSED, MeetingStatus.CANCELLED})


class Meeting(TimeStampedModel):
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="meetings"
    )
    # ครั้งที่ n/ปี: given when the notice is first sent, so a deleted draft leaves no
    # hole (R53, ADR 0015); ``None`` before.
    number = models.PositiveIntegerField(null=True, blank=True)
    buddhist_year = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=20, choices=MeetingMode.choices)
    venue = models.CharField(_("meeting room"), max_length=300, blank=True)
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    is_secret = models.BooleanField(_("secret meeting"), default=False)
    urgent_reason = models.TextField(_("reason for urgent convening"), blank=True)
    urgent_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    urgent_marked_at = models.DateTimeField(null=True, blank=True)
    informed_at_previous_meeting = models.BooleanField(default=False)
    electronic_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    electronic_decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # APA s.79 para 2: the meeting adjourned for want of quorum that this one follows up.
    adjourned_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    # A draft deleted before any notice: kept for the record, gone from every list.
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveMeetingManager()
    all_objects = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "buddhist_year", "number"],
                name="meeting_number_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number_label}"

    @property
    def number_label(self) -> str:
        """``n/<BE year>``, or a note that the number comes with the first notice."""
        if self.number is None:
            return str(_("(number given when the notice is sent)"))
        return f"{self.number}/{self.buddhist_year}"

    @property
    def held_at(self) -> datetime:
        """When the meeting was actually held: opened, else the noticed start.

        Every document written after the meeting (minutes, the allowance list, the
        meeting list, the package) dates the meeting by this, not by ``starts_at``.
        """
        try:
            opened_at = self.room.opened_at
        except ObjectDoesNotExist:
            opened_at = None
        return opened_at or self.starts_at

    @property
    def held_elsewhen(self) -> bool:
        """Opened on another day than the noticed one (shown next to the date)."""
        local = timezone.localtime
        return local(self.held_at).date() != local(self.starts_at).date()

    @property
    def chain_key(self) -> str:
        return f"meeting:{self.pk}"

    @property
    def is_electronic(self) -> bool:
        return self.mode in {MeetingMode.ELECTRONIC, MeetingMode.HYBRID}


class AgendaItem(TimeStampedModel):
    """A numbered item: top-level sections 1-5 and sub-items 4.1, 4.2 ..."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    subject = models.CharField(_("subject code"), max_length=100, blank=True)
    is_secret = models.BooleanField(_("secret item"), default=False)
    is_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class Document(TimeStampedModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=300)
    # Sent with the notice as an enclosure (สิ่งที่ส่งมาด้วย), after the agenda (R63).
    is_enclosure = models.BooleanField(_("send with the notice"), default=False)

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> DocumentVersion | None:
        return self.versions.order_by("-version").first()


def _document_path(instance: DocumentVersion, filename: str) -> str:
    return f"documents/{instance.document.meeting_id}/{instance.sha256}"


class DocumentVersion(models.Model):
    """A stored file, never overwritten: a new upload is a new version (R19)."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=_document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="document_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version}"


class DocumentRead(models.Model):
    """Every read of a document by a participant (R19)."""

    version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, related_name="reads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} read {self.version_id}"
