"""A person's sockets in the room: attendance intervals and traffic data (R22, R37, R38).

Each connection rests on an identity check (R13) and is recorded with the traffic data
the MDES standard asks for; opening and closing one changes the live quorum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.identity import require_enterable
from prachum.attendance.models import ROOM_CHANNEL, Connection, IncidentKind
from prachum.attendance.selectors import current_check, is_admitted, open_connections
from prachum.committees.models import Membership, Role
from prachum.core.errors import CoreError, PermissionDeniedError
from prachum.meetings.models import Meeting
from prachum.room.events import RoomEvent
from prachum.room.facts import room_facts
from prachum.room.incidents import create_incident
from prachum.room.quorum import refresh_quorum
from prachum.room.snapshot import participant
from prachum.room.state import ROOM_OPEN, commit_room_change, lock_room


def open_connection(
    *,
    meeting: Meeting,
    user: Any,
    channel_name: str,
    session_key: str,
    ip_address: str | None,
    port: int | None,
    user_agent: str,
) -> Connection:
    """A person's socket joins the room; refused before the identity check (R13)."""
    with transaction.atomic():
        room = lock_room(meeting)
        meeting = room.meeting
        require_enterable(meeting, user)
        item = room.current_item
        check = current_check(meeting=meeting, user=user, item=item)
        if check is None:
            raise PermissionDeniedError(
                CoreError.IDENTITY_CHECK_REQUIRED,
                _("Confirm your identity for this meeting first."),
            )
        membership = Membership.objects.get(committee=meeting.committee, user=user)
        if membership.role == Role.INVITEE and not is_admitted(
            meeting=meeting, user=user, item=item
        ):
            raise PermissionDeniedError(
                CoreError.NOT_ADMITTED,
                _("The chair has not admitted you for the current agenda item."),
            )
        connection = Connection.objects.create(
            meeting=meeting,
            user=user,
            identity_check=check,
            channel_name=channel_name[:200],
            session_hash=hashlib.sha256(session_key.encode()).hexdigest(),
            auth_method=f"{check.method}:{check.factor}"
            if check.factor
            else check.method,
            ip_address=ip_address,
            port=port,
            user_agent=user_agent[:400],
            server_node=settings.SERVER_NODE,
            mode=check.location,
            connected_at=timezone.now(),
        )
        facts = room_facts(meeting=meeting, item=item)
        quorum = refresh_quorum(room, actor=user, facts=facts)
        commit_room_change(
            room,
            actor=user,
            kind=RoomEvent.ATTENDANCE_JOINED,
            payload={
                "connection": str(connection.id),
                "user": str(user.pk),
                "check": str(check.id),
                "auth_method": connection.auth_method,
                "mode": connection.mode,
                "ip": ip_address,
                "port": port,
                "user_agent": connection.user_agent,
                "session": connection.session_hash,
                "server_node": connection.server_node,
                "at": connection.connected_at.isoformat(),
            },
            patch={
                "participant": participant(
                    meeting=meeting, user_id=user.pk, facts=facts
                ),
                "quorum": quorum,
            },
        )
    return connection


def close_connection(
    *, connection_id: Any, reason: str, at: dt.datetime | None = None
) -> Connection | None:
    """A socket leaves: ``left`` (said goodbye), ``lost`` (dropped), ``removed``, ``closed``.

    ``at``: when the socket ended, if earlier than now (its end is written late when
    the database was away at that moment).

    A participant whose last connection is lost while the meeting is open gets an
    automatic incident the chair sees (R42).
    """
    with transaction.atomic():
        connection = (
            Connection.objects.select_related("meeting")
            .filter(pk=connection_id)
            .first()
        )
        if connection is None:
            return None
        room = lock_room(connection.meeting)
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        if connection.disconnected_at is not None:
            return connection
        connection.disconnected_at = max(at or timezone.now(), connection.connected_at)
        connection.disconnect_reason = reason[:40]
        connection.save(update_fields=["disconnected_at", "disconnect_reason"])
        meeting = room.meeting
        still_here = (
            open_connections(meeting=meeting)
            .filter(user_id=connection.user_id)
            .exists()
        )
        if reason == "lost" and not still_here and meeting.status in ROOM_OPEN:
            create_incident(
                meeting,
                kind=IncidentKind.CONNECTION_LOST,
                reported_by=None,
                subject=connection.user,
                description=connection.user.display_name,
            )
        quorum = refresh_quorum(room, actor=None)
        commit_room_change(
            room,
            actor=None,
            kind=RoomEvent.ATTENDANCE_LEFT,
            payload={
                "connection": str(connection.id),
                "user": str(connection.user_id),
                "reason": connection.disconnect_reason,
                "at": connection.disconnected_at.isoformat(),
            },
            patch={
                "participant": participant(meeting=meeting, user_id=connection.user_id),
                "quorum": quorum,
            },
        )
    return connection


def end_sockets_left_by_this_node(*, server_node: str) -> int:
    """A starting web process ends the sockets its node left open; returns how many.

    A process killed (``kill -9``, out of memory, power) never runs its sockets'
    close, so their people would stay "present" for good and the quorum with them
    (issue 15 point 10). Each is closed as ``lost``, like any dropped socket (an
    incident while the meeting is open, the quorum recomputed); the person's page
    reconnects to the new process. Presences at the meeting room are not sockets
    and stay. One web process per ``SERVER_NODE``: a node is one process.
    """
    left = Connection.objects.filter(
        server_node=server_node, disconnected_at__isnull=True
    ).exclude(channel_name=ROOM_CHANNEL)
    ids = list(left.values_list("pk", flat=True))
    for connection_id in ids:
        close_connection(connection_id=connection_id, reason="lost")
    return len(ids)
