"""Connections: attendance intervals and the traffic data of Decree s.9(5) (R13, R37)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from prachum.attendance import selectors as attendance_selectors
from prachum.attendance.models import Connection, IdentityCheck
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.room import connections as room_connections
from prachum.room import facts as room_facts
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import snapshot as room_snapshot
from tests.fixtures.room import SERVER_NODE, USER_AGENT, event_kinds

pytestmark = pytest.mark.django_db


def _open(meeting: Meeting, user: Any, **kwargs: Any) -> Connection:
    values: dict[str, Any] = {
        "channel_name": "specific.inmemory!abc123",
        "session_key": "s3cr3t-session-key",
        "ip_address": "2001:db8::7",
        "port": 51234,
        "user_agent": USER_AGENT,
    }
    values.update(kwargs)
    return room_connections.open_connection(meeting=meeting, user=user, **values)


def test_no_connection_before_the_identity_check(
    notified_meeting: Meeting, member: Any
) -> None:
    before = event_kinds(notified_meeting)
    with pytest.raises(PermissionDeniedError) as caught:
        _open(notified_meeting, member)
    assert caught.value.code == "IDENTITY_CHECK_REQUIRED"
    assert not Connection.objects.exists()
    assert event_kinds(notified_meeting) == before
    assert room_facts.get_room(meeting=notified_meeting).version == 0


def test_an_outsider_cannot_connect(notified_meeting: Meeting, outsider: Any) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        _open(notified_meeting, outsider)
    assert caught.value.code == "NOT_PARTICIPANT"
    assert not Connection.objects.exists()


def test_a_connection_keeps_the_traffic_data(
    notified_meeting: Meeting,
    member: Any,
    identified: Callable[..., IdentityCheck],
) -> None:
    check = identified(member, notified_meeting, method="email")

    connection = _open(notified_meeting, member)

    row = Connection.objects.get(pk=connection.pk)
    assert (row.meeting, row.user, row.identity_check) == (
        notified_meeting,
        member,
        check,
    )
    assert (row.ip_address, row.port, row.user_agent) == (
        "2001:db8::7",
        51234,
        USER_AGENT,
    )
    assert row.server_node == SERVER_NODE
    assert row.channel_name == "specific.inmemory!abc123"
    assert row.session_hash == hashlib.sha256(b"s3cr3t-session-key").hexdigest()
    assert "s3cr3t-session-key" not in row.session_hash
    assert row.auth_method == "second_factor:email"
    assert row.mode == "remote"
    assert row.disconnected_at is None
    assert row.disconnect_reason == ""

    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "attendance.joined"
    assert event.actor == member
    assert event.payload == {
        "connection": str(row.pk),
        "user": str(member.pk),
        "check": str(check.pk),
        "auth_method": "second_factor:email",
        "mode": "remote",
        "ip": "2001:db8::7",
        "port": 51234,
        "user_agent": USER_AGENT,
        "session": row.session_hash,
        "server_node": SERVER_NODE,
        "at": row.connected_at.isoformat(),
        "room_version": 2,
    }
    assert "s3cr3t-session-key" not in str(event.payload)


def test_a_vouched_connection_names_the_method_without_a_factor(
    notified_meeting: Meeting, chair: Any, member: Any
) -> None:
    room_participants.vouch_identity(
        actor=chair, meeting=notified_meeting, user=member, location="remote"
    )
    assert _open(notified_meeting, member).auth_method == "vouched"


def test_an_uninvited_invitee_may_not_connect_even_when_identified(
    notified_meeting: Meeting,
    invitee: Any,
    identified: Callable[..., IdentityCheck],
) -> None:
    identified(invitee, notified_meeting)
    with pytest.raises(PermissionDeniedError) as caught:
        _open(notified_meeting, invitee)
    assert caught.value.code == "NOT_ADMITTED"
    assert not Connection.objects.exists()


def test_closing_a_connection_ends_its_interval_and_is_recorded(
    notified_meeting: Meeting,
    member: Any,
    identified: Callable[..., IdentityCheck],
) -> None:
    identified(member, notified_meeting)
    connection = _open(notified_meeting, member)

    closed = room_connections.close_connection(
        connection_id=connection.pk, reason="left"
    )

    assert closed is not None
    row = Connection.objects.get(pk=connection.pk)
    assert row.disconnected_at is not None
    assert row.disconnected_at >= row.connected_at
    assert row.disconnect_reason == "left"
    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "attendance.left"
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.payload == {
        "connection": str(row.pk),
        "user": str(member.pk),
        "reason": "left",
        "at": row.disconnected_at.isoformat(),
        "room_version": 3,
    }
    assert not attendance_selectors.open_connections(meeting=notified_meeting).exists()


def test_closing_twice_or_an_unknown_connection_changes_nothing(
    notified_meeting: Meeting,
    member: Any,
    identified: Callable[..., IdentityCheck],
) -> None:
    identified(member, notified_meeting)
    connection = _open(notified_meeting, member)
    room_connections.close_connection(connection_id=connection.pk, reason="left")
    version = room_facts.get_room(meeting=notified_meeting).version
    events = event_kinds(notified_meeting)

    again = room_connections.close_connection(
        connection_id=connection.pk, reason="lost"
    )

    assert again is not None
    assert again.disconnect_reason == "left"
    assert (
        room_connections.close_connection(connection_id=uuid.uuid4(), reason="lost")
        is None
    )
    assert room_facts.get_room(meeting=notified_meeting).version == version
    assert event_kinds(notified_meeting) == events


def test_attendance_intervals_show_reconnections(
    notified_meeting: Meeting,
    member: Any,
    vice_chair: Any,
    identified: Callable[..., IdentityCheck],
    connect: Callable[..., Connection],
) -> None:
    identified(member, notified_meeting)
    identified(vice_chair, notified_meeting)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        first = connect(member, notified_meeting)
        traveller.shift(60)
        other = connect(vice_chair, notified_meeting)
        traveller.shift(60)
        room_connections.close_connection(connection_id=first.pk, reason="lost")
        traveller.shift(30)
        second = connect(member, notified_meeting)
        traveller.shift(600)
        room_connections.close_connection(connection_id=second.pk, reason="left")

    rows = attendance_selectors.attendance_intervals(meeting=notified_meeting)

    assert [(r["connection"], r["user"], r["reconnect"]) for r in rows] == [
        (str(first.pk), str(member.pk), False),
        (str(other.pk), str(vice_chair.pk), False),
        (str(second.pk), str(member.pk), True),
    ]
    by_id = {r["connection"]: r for r in rows}
    assert by_id[str(first.pk)]["joined_at"] == start.isoformat()
    left = start + dt.timedelta(seconds=120)
    assert by_id[str(first.pk)]["left_at"] == left.isoformat()
    assert by_id[str(first.pk)]["reason"] == "lost"
    assert by_id[str(other.pk)]["left_at"] is None
    assert by_id[str(second.pk)]["reason"] == "left"
    assert by_id[str(second.pk)]["auth_method"] == "second_factor:totp"


def test_a_second_socket_of_the_same_person_counts_once(
    notified_meeting: Meeting,
    member: Any,
    identified: Callable[..., IdentityCheck],
    connect: Callable[..., Connection],
) -> None:
    identified(member, notified_meeting)
    laptop = connect(member, notified_meeting)
    connect(member, notified_meeting)
    assert room_quorum.live_quorum(meeting=notified_meeting).counted == 1
    room_connections.close_connection(connection_id=laptop.pk, reason="lost")
    assert room_quorum.live_quorum(meeting=notified_meeting).counted == 1
    assert room_snapshot.participant(meeting=notified_meeting, user_id=member.pk)[
        "connected"
    ]


def test_nobody_connects_to_a_draft_meeting(meeting: Meeting, member: Any) -> None:
    with pytest.raises(ServiceError) as caught:
        _open(meeting, member)
    assert caught.value.code == "ROOM_NOT_AVAILABLE"
