"""Media tables: the room registry, Janus's raw events and the traffic data from them.

``JanusEvent`` and ``MediaTrafficRecord`` are append-only (Decree s.9(5) traffic data):
the models refuse updates and deletes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of the traffic record."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class MediaRoom(models.Model):
    """Which media server holds a meeting's room (ARCHITECTURE §7: a registry)."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="+"
    )
    server = models.CharField(max_length=100)
    janus_room_id = models.PositiveBigIntegerField()
    record = models.BooleanField()
    rec_dir = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["server", "janus_room_id"],
                condition=models.Q(destroyed_at__isnull=True),
                name="media_room_one_live_per_server_room",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(destroyed_at__isnull=True),
                name="media_room_one_live_per_meeting",
            ),
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.server}/{self.janus_room_id}"


class JanusEvent(AppendOnlyModel):
    """One event exactly as Janus's event handler sent it (raw, schema-checked).

    ``key`` is the SHA-256 of the event's canonical JSON: a retransmitted POST stores
    nothing twice. The handle's token is replaced by its hash before storage.
    """

    key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    emitter = models.CharField(max_length=100)
    type = models.PositiveIntegerField()
    subtype = models.PositiveIntegerField(null=True, blank=True)
    timestamp = models.BigIntegerField()  # microseconds since the epoch, Janus's clock
    session_id = models.BigIntegerField(null=True, blank=True)
    handle_id = models.BigIntegerField(null=True, blank=True)
    opaque_id = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["emitter", "handle_id"]),
            models.Index(fields=["emitter", "session_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.emitter} type {self.type} at {self.timestamp}"


class TrafficKind(models.TextChoices):
    TRANSPORT_CONNECTED = "transport_connected", _("Client connected to Janus")
    TRANSPORT_DISCONNECTED = "transport_disconnected", _("Client disconnected")
    SESSION_CREATED = "session_created", _("Media session created")
    SESSION_DESTROYED = "session_destroyed", _("Media session destroyed")
    SESSION_TIMEOUT = "session_timeout", _("Media session timed out")
    HANDLE_ATTACHED = "handle_attached", _("Media handle attached")
    HANDLE_DETACHED = "handle_detached", _("Media handle detached")
    ICE_STATE = "ice_state", _("ICE state changed")
    SELECTED_PAIR = "selected_pair", _("ICE candidate pair selected")
    DTLS_STATE = "dtls_state", _("DTLS state changed")
    WEBRTC_UP = "webrtc_up", _("Media connection up")
    HANGUP = "hangup", _("Media connection hung up")
    MEDIA_RECEIVING = "media_receiving", _("Media flowing or stopped")
    SLOW_LINK = "slow_link", _("Slow link")
    MEDIA_STATS = "media_stats", _("Media statistics")
    JOINED = "joined", _("Joined the room")
    PUBLISHED = "published", _("Started publishing")
    UNPUBLISHED = "unpublished", _("Stopped publishing")
    LEAVING = "leaving", _("Left the room")
    KICKED = "kicked", _("Removed from the room")
    SERVER_STARTED = "server_started", _("Media server started")
    SERVER_STOPPED = "server_stopped", _("Media server stopped")
    RECONCILED_UNSEEN = "reconciled_unseen", _("Present in Janus, never seen in events")
    RECONCILED_GONE = "reconciled_gone", _("Gone from Janus, no leave event seen")


class MediaTrafficRecord(AppendOnlyModel):
    """One fact of traffic data about one media connection, derived from events.

    ``meeting_key``/``user_key``/``connection_key`` come from the handle's opaque id
    (``prachum:<meeting>:<user>:<nonce>``); they are text, not foreign keys, because
    the opaque id comes from the client and is checked by the consumer of these rows.
    """

    event = models.ForeignKey(
        JanusEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="traffic",
    )
    at = models.DateTimeField()
    server = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=TrafficKind.choices)
    session_id = models.BigIntegerField(null=True, blank=True)
    handle_id = models.BigIntegerField(null=True, blank=True)
    opaque_id = models.CharField(max_length=200, blank=True)
    meeting_key = models.CharField(max_length=64, blank=True)
    user_key = models.CharField(max_length=64, blank=True)
    connection_key = models.CharField(max_length=64, blank=True)
    transport_id = models.CharField(max_length=40, blank=True)
    room = models.PositiveBigIntegerField(null=True, blank=True)
    participant = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=40, blank=True)
    media = models.CharField(max_length=20, blank=True)
    local_address = models.GenericIPAddressField(null=True, blank=True)
    local_port = models.PositiveIntegerField(null=True, blank=True)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    remote_port = models.PositiveIntegerField(null=True, blank=True)
    bytes_received = models.PositiveBigIntegerField(null=True, blank=True)
    bytes_sent = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"],
                condition=models.Q(event__isnull=False),
                name="media_traffic_one_per_event_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting_key", "at"]),
            models.Index(fields=["server", "handle_id"]),
            models.Index(fields=["server", "room", "participant"]),
            models.Index(fields=["server", "transport_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.server}/{self.handle_id} {self.at:%H:%M:%S}"


class EventCursor(models.Model):
    """How far the traffic processing has read the raw event log (one row per reader)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_event_id}"


class MediaAudioInterval(models.Model):
    """One span during which a person's audio reached the media server (R16, R22).

    Opened when a publisher handle's WebRTC connection comes up (or its audio flows
    again), closed when it hangs up, leaves or stops sending audio. A person's audio is
    up while any of their intervals is open. Written by the attendance context, which
    checks that the person belongs to the meeting before calling this package.
    """

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    server = models.CharField(max_length=100)
    handle_id = models.BigIntegerField(null=True, blank=True)
    connection_key = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "server", "handle_id"],
                condition=models.Q(ended_at__isnull=True),
                name="media_audio_one_open_per_handle",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} audio {self.started_at:%H:%M:%S}-{self.ended_at}"


class MediaServerStatus(models.Model):
    """The watchdog's view of one media server: down since when (None: up)."""

    server = models.CharField(max_length=100, unique=True)
    down_since = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.server} {'down' if self.down_since else 'up'}"
