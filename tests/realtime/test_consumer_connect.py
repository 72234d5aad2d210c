"""Who gets into the room socket, and what they get first."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from prachum.attendance.models import Connection
from prachum.meetings.models import Meeting
from tests.realtime.conftest import CLOSED, ORIGIN, Connect, identify

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def _assert_refused(socket: Any, code: str, close_code: int) -> dict[str, Any]:
    frame = await socket.receive()
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert frame["message"]
    assert await socket.receive() == {"type": CLOSED, "code": close_code}
    assert await socket.nothing_more()
    return frame


async def test_a_member_without_identity_check_is_refused_without_snapshot(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    socket = await connect_socket(member, room_meeting)
    await _assert_refused(socket, "IDENTITY_CHECK_REQUIRED", 4403)
    assert await database_sync_to_async(Connection.objects.count)() == 0


async def test_an_outsider_is_refused(
    connect_socket: Connect, room_meeting: Meeting, outsider: Any
) -> None:
    socket = await connect_socket(outsider, room_meeting)
    await _assert_refused(socket, "NOT_PARTICIPANT", 4403)


async def test_a_session_without_the_second_factor_is_refused(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    await database_sync_to_async(identify)(member, room_meeting)
    socket = await connect_socket(member, room_meeting, second_factor=False)
    await _assert_refused(socket, "NOT_AUTHENTICATED", 4401)
    assert await database_sync_to_async(Connection.objects.count)() == 0


async def test_a_socket_without_a_session_is_refused(
    connect_socket: Connect, room_meeting: Meeting
) -> None:
    socket = await connect_socket(None, room_meeting)
    await _assert_refused(socket, "NOT_AUTHENTICATED", 4401)


async def test_an_unknown_meeting_is_not_found(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    missing = Meeting(pk=uuid.uuid4())
    socket = await connect_socket(member, missing)
    await _assert_refused(socket, "NOT_FOUND", 4404)


async def test_a_meeting_whose_notice_was_not_sent_is_not_available(
    connect_socket: Connect, meeting: Meeting, member: Any
) -> None:
    socket = await connect_socket(member, meeting)
    await _assert_refused(socket, "ROOM_NOT_AVAILABLE", 4403)


async def test_the_refusal_is_in_the_language_of_the_browser(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    english = await connect_socket(
        member, room_meeting, headers=[(b"accept-language", b"en-GB,en;q=0.8")]
    )
    frame = await _assert_refused(english, "IDENTITY_CHECK_REQUIRED", 4403)
    assert frame["message"] == "Confirm your identity for this meeting first."


async def test_a_socket_from_another_site_is_refused_at_the_handshake(
    channel_layer: str, room_meeting: Meeting
) -> None:
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{room_meeting.pk}/",
        headers=[(b"origin", b"https://evil.example")],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
    await communicator.disconnect()


async def test_an_identified_member_gets_the_snapshot_and_is_recorded(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    await database_sync_to_async(identify)(member, room_meeting)
    socket = await connect_socket(
        member,
        room_meeting,
        headers=[(b"x-forwarded-for", b"192.0.2.99")],
        client=("198.51.100.7", 51234),
    )
    frame = await socket.receive()
    assert frame["type"] == "snapshot"
    snapshot = frame["snapshot"]
    assert isinstance(snapshot["version"], int)
    assert snapshot["version"] >= 1
    assert snapshot["me"] == {"id": str(member.pk), "console": False}
    assert "incidents" not in snapshot
    me = next(p for p in snapshot["participants"] if p["id"] == str(member.pk))
    assert me["identified"] is True
    assert me["connected"] is True

    connection = await database_sync_to_async(Connection.objects.get)()
    # The forwarded address is not trusted: no proxy is configured.
    assert connection.ip_address == "198.51.100.7"
    assert connection.port == 51234
    assert connection.user_agent.startswith("Mozilla/5.0")
    assert connection.disconnected_at is None


async def test_the_forwarded_address_is_used_behind_a_trusted_proxy(
    connect_socket: Connect, room_meeting: Meeting, member: Any, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    await database_sync_to_async(identify)(member, room_meeting)
    socket = await connect_socket(
        member,
        room_meeting,
        headers=[(b"x-forwarded-for", b"192.0.2.1, 192.0.2.99")],
        client=("10.0.0.2", 40000),
    )
    assert (await socket.receive())["type"] == "snapshot"
    connection = await database_sync_to_async(Connection.objects.get)()
    assert connection.ip_address == "192.0.2.99"


async def test_the_chair_gets_the_console_snapshot(
    connect_socket: Connect, room_meeting: Meeting, chair: Any
) -> None:
    await database_sync_to_async(identify)(chair, room_meeting)
    socket = await connect_socket(chair, room_meeting)
    frame = await socket.receive()
    assert frame["type"] == "snapshot"
    assert frame["snapshot"]["me"]["console"] is True
    assert frame["snapshot"]["incidents"] == []


async def test_the_origin_the_tests_send_is_an_allowed_host(settings: Any) -> None:
    assert ORIGIN.decode().split("//")[1].split(":")[0] in settings.ALLOWED_HOSTS
