"""SIP calls: the traffic data of a caller (Decree s.9(5); R37, R38), and the
gateway's heartbeat."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from prachum.attendance.models import Connection
from prachum.meetings.models import Meeting


class SipCall(models.Model):
    """One SIP call to the gateway, from the INVITE to its end.

    Written as the call goes (started, meeting found, PIN tries, identified, ended)
    and never deleted before the retention period; the meeting's chain holds the same
    facts (``sip.*`` events) once the call has reached a meeting.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    call_id = models.CharField(max_length=200)
    sip_uri = models.CharField(max_length=400)  # From
    asserted_identity = models.CharField(max_length=400, blank=True)
    request_uri = models.CharField(max_length=400, blank=True)
    dialled = models.CharField(max_length=100, blank=True)
    source_ip = models.GenericIPAddressField()
    source_port = models.PositiveIntegerField()
    transport = models.CharField(max_length=4)  # udp / tcp / tls
    tls_client_verified = models.BooleanField(default=False)
    codec = models.CharField(max_length=10)
    user_agent = models.CharField(max_length=400, blank=True)
    server_node = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sip_calls",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identified_by = models.CharField(max_length=20, blank=True)  # pin / vcs_tls / ...
    identified_at = models.DateTimeField(null=True, blank=True)
    connection = models.ForeignKey(
        Connection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    media_server = models.CharField(max_length=100, blank=True)
    audio_room = models.BigIntegerField(null=True, blank=True)
    audio_participant = models.BigIntegerField(null=True, blank=True)
    failed_pin_tries = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["server_node", "call_id"], name="sip_call_once_per_node"
            ),
        ]
        indexes = [models.Index(fields=["server_node", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.sip_uri} {self.started_at:%Y-%m-%d %H:%M:%S}"


class SipGateway(models.Model):
    """A gateway process (one per ``server_node``): its heartbeat every second."""

    server_node = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    down_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.server_node} {self.last_seen_at:%H:%M:%S}"
