"""The live room's record: identity checks, connections (traffic data), the room state,
the floor, admissions, removals and incidents (R13-R17, R22, R23, R37-R39, R42)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.core.secrets_at_rest import EncryptedCharField
from prachum.meetings.models import AgendaItem, Meeting


class CheckMethod(models.TextChoices):
    SECOND_FACTOR = "second_factor", _("Password and one-time code")
    VOUCHED = "vouched", _("Vouched for by the chair or secretary")
    ROOM_SIGN_IN = "room_sign_in", _("Signed in at the room by the secretary")
    SIP_PIN = "sip_pin", _("Personal PIN by telephone or video room system")


class LocationKind(models.TextChoices):
    IN_ROOM = "in_room", _("In the meeting room")
    REMOTE = "remote", _("Remote")


class IdentityCheck(models.Model):
    """One identity check (แสดงตน) for one meeting (Decree s.9(1), MDES 2563 process 1)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="identity_checks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=20, choices=CheckMethod.choices)
    factor = models.CharField(max_length=20, blank=True)  # totp / email / recovery
    factors = models.PositiveSmallIntegerField()  # 2 = password + one-time code
    second_factor_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=10, choices=LocationKind.choices)
    room = models.CharField(max_length=300, blank=True)
    in_kingdom = models.BooleanField(null=True)
    device_ok = models.BooleanField(default=False)
    # Optional: a remote participant declares that nobody else is present or listening
    # where they are (R46; a project measure, not a duty of MDES 2563).
    alone_declared = models.BooleanField(default=False)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.at:%Y-%m-%d %H:%M}"


ROOM_CHANNEL = "room"  # a presence at the meeting room, not a socket


class Connection(models.Model):
    """One live connection of one person: the traffic data of Decree s.9(5) (R37, R38).

    Attendance intervals are these rows: ``connected_at``..``disconnected_at``. A row
    with ``channel_name`` :data:`ROOM_CHANNEL` is a presence at the meeting room (a
    person signed in by the secretary, with or without a device of their own).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="connections"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    identity_check = models.ForeignKey(
        IdentityCheck, on_delete=models.PROTECT, related_name="connections"
    )
    channel_name = models.CharField(max_length=200)
    session_hash = models.CharField(max_length=64)
    auth_method = models.CharField(max_length=40)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    server_node = models.CharField(max_length=100)
    mode = models.CharField(max_length=10, choices=LocationKind.choices)
    connected_at = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnect_reason = models.CharField(max_length=40, blank=True)
    # Presence at the meeting room without a device (channel ``room``): who signed the
    # person in and out (Decree ss.6, 10; R8, R13-R15; ADR 0016).
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["connected_at"]
        indexes = [models.Index(fields=["meeting", "disconnected_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.connected_at:%H:%M:%S}"


class RoomState(models.Model):
    """The versioned live state of one meeting's room (ARCHITECTURE §4.4)."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.PROTECT, related_name="room"
    )
    version = models.PositiveBigIntegerField(default=0)
    current_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    floor_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hands = models.JSONField(default=list)  # user ids in the order they raised a hand
    quorum_met = models.BooleanField(null=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"room {self.meeting_id} v{self.version}"


class Admission(models.Model):
    """The chair admits an invitee for one agenda item."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="admissions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="+")
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} for {self.item_id}"


class Removal(models.Model):
    """The chair removed a participant; they may not rejoin until readmitted."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="removals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    at = models.DateTimeField()
    readmitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    readmitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} removed {self.at:%H:%M}"


class IncidentKind(models.TextChoices):
    REPORTED = "reported", _("Reported by a participant")
    CONNECTION_LOST = "connection_lost", _("Connection lost")
    QUORUM_LOST = "quorum_lost", _("Quorum lost")
    QUORUM_REGAINED = "quorum_regained", _("Quorum regained")
    CLOCK_UNSYNCED = "clock_unsynced", _("Server clock not synchronised")
    TSA_UNREACHABLE = "tsa_unreachable", _("Time-Stamping Authority unreachable")
    OTHER = "other", _("Other")


class Incident(models.Model):
    """A failure or event in the meeting, reported or automatic (R17, R42). Never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(max_length=30, choices=IncidentKind.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField()
    at = models.DateTimeField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handling = models.TextField(blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%H:%M:%S}"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("incidents are never deleted (R42)")


class Absence(models.Model):
    """Leave from a meeting (ลาประชุม) with its reason, recorded by the member or for
    them by the secretariat, before or during the meeting. Withdrawn if they come after
    all; the minutes list absentees with the reason (Saraban reg. 2526 cl.25(6))."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="absences"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="absence_one_standing_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} absent from {self.meeting_id}"


class MeetingDialCode(models.Model):
    """The digits a SIP caller dials (or keys in) to reach this meeting (issue 17).

    Unique among the meetings that can be entered (``sip_access.dial_code_for`` picks
    digits no enterable meeting has); shown as ``sip:<digits>@SIP_DOMAIN``.
    """

    meeting = models.OneToOneField(
        Meeting, on_delete=models.PROTECT, related_name="dial_code"
    )
    digits = models.CharField(max_length=12, db_index=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.digits} {self.meeting_id}"


class SipPin(models.Model):
    """A member's personal PIN for one meeting by telephone or room system (R13, R14).

    Encrypted at rest with the field key (ADR 0018); found by a keyed hash of the
    meeting and the digits, never by the plain PIN. Valid for this meeting only.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="sip_pins"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pin = EncryptedCharField(max_length=255)
    pin_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="sip_pin_one_per_member"
            ),
            models.UniqueConstraint(
                fields=["meeting", "pin_hash"], name="sip_pin_unique_in_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"PIN of {self.user_id} for {self.meeting_id}"
