"""What the room socket does with each frame a browser sends."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import translation

from prachum.attendance.models import Connection, Incident
from prachum.meetings.models import Meeting
from prachum.realtime.consumers import MeetingRoomConsumer
from tests.realtime.conftest import CLOSED, Client, Connect, identify, is_type

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def room_log() -> Iterator[list[logging.LogRecord]]:
    """What the consumer logs (the suite runs with ``-p no:logging``: no caplog)."""
    logger = logging.getLogger("prachum.realtime.consumers")
    handler = _Records()
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def in_room_socket(connect_socket: Connect, room_meeting: Meeting) -> Any:
    """``await in_room(user)``: identified, connected, snapshot read."""

    async def run(user: Any) -> Client:
        await database_sync_to_async(identify)(user, room_meeting)
        socket = await connect_socket(user, room_meeting)
        assert (await socket.receive())["type"] == "snapshot"
        return socket

    return run


async def test_ping_gets_pong_and_snapshot_get_a_fresh_snapshot(
    in_room_socket: Any, member: Any
) -> None:
    socket = await in_room_socket(member)
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    await socket.send({"type": "ping", "ref": "p1"})
    assert await socket.receive() == {"type": "pong", "ref": "p1"}
    await socket.send({"type": "snapshot.get", "ref": "s1"})
    frame = await socket.receive()
    assert frame["type"] == "snapshot"
    assert frame["ref"] == "s1"
    assert frame["snapshot"]["me"]["id"] == str(member.pk)


async def test_bad_frames_get_an_error_and_the_socket_stays_open(
    in_room_socket: Any, member: Any, room_log: list[logging.LogRecord]
) -> None:
    socket = await in_room_socket(member)
    secret = "ความลับของผู้ใช้"
    cases = [
        (socket.send_text("{not json " + secret), "MALFORMED"),
        (socket.send_bytes(secret.encode()), "MALFORMED"),
        (socket.send_text("[" * 3000 + "]" * 1000), "MALFORMED"),
        (
            socket.send({"type": "incident.report", "description": secret * 400}),
            "MESSAGE_TOO_LARGE",
        ),
        # 1,400 Thai characters are 4,200 bytes in UTF-8.
        (
            socket.send({"type": "incident.report", "description": "ก" * 1400}),
            "MESSAGE_TOO_LARGE",
        ),
    ]
    for sending, code in cases:
        await sending
        frame = await socket.receive()
        assert (frame["type"], frame["code"]) == ("error", code)
        assert frame["message"]
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}
    warnings = [r for r in room_log if r.levelno == logging.WARNING]
    assert [r.getMessage().rsplit("=", 1)[1] for r in warnings] == [
        code for _, code in cases
    ]
    for record in warnings:
        assert str(member.pk) in record.getMessage()
        assert str(record.args[0]) in record.getMessage()  # the meeting
        assert secret not in record.getMessage()
    assert await database_sync_to_async(Incident.objects.count)() == 0


async def test_an_invalid_message_names_the_field(
    in_room_socket: Any, member: Any
) -> None:
    socket = await in_room_socket(member)
    for message, field in [
        ({"type": "vote.cast", "ref": "v1"}, "type"),
        ({"ref": "v1"}, "type"),
        ({"type": "floor.give", "ref": "v1"}, "user"),
        ({"type": "floor.give", "user": "nobody", "ref": "v1"}, "user"),
        ({"type": "ping", "ref": "v1", "admin": True}, "admin"),
        ({"type": "meeting.suspend", "reason": ["x"], "ref": "v1"}, "reason"),
    ]:
        await socket.send(message)
        frame = await socket.receive()
        assert frame["type"] == "error"
        assert frame["code"] == "INVALID_MESSAGE"
        assert frame["field"] == field
        assert frame["ref"] == "v1"
    await socket.send([1, 2])
    frame = await socket.receive()
    assert (frame["code"], frame["ref"]) == ("INVALID_MESSAGE", None)
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}


async def test_a_flood_is_refused_then_closed(
    in_room_socket: Any, member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A clock that never moves: the bucket holds its burst of 20 and never refills.
    monkeypatch.setattr(MeetingRoomConsumer, "clock", staticmethod(lambda: 0.0))
    socket = await in_room_socket(member)
    for n in range(75):
        await socket.send({"type": "ping", "ref": str(n)})
    frames = []
    while (frame := await socket.receive())["type"] != CLOSED:
        frames.append(frame)
    assert frame["code"] == 4429
    assert frames[:20] == [{"type": "pong", "ref": str(n)} for n in range(20)]
    assert [f["code"] for f in frames[20:]] == ["RATE_LIMITED"] * 50
    assert await socket.nothing_more()


async def test_a_service_refusal_is_an_error_with_the_ref(
    in_room_socket: Any, member: Any
) -> None:
    socket = await in_room_socket(member)
    await socket.send({"type": "item.set", "item": str(uuid.uuid4()), "ref": "i1"})
    frame = await socket.receive()
    assert frame == {
        "type": "error",
        "code": "NOT_FOUND",
        "message": frame["message"],
        "field": "item",
        "ref": "i1",
    }
    await socket.send({"type": "meeting.suspend", "reason": "พัก", "ref": "s1"})
    frame = await socket.receive()
    assert (frame["code"], frame["ref"]) == ("CHAIR_ONLY", "s1")


async def test_a_refusal_is_in_the_language_of_the_browser(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    msgid = "Only the chair or the secretary may do this."
    with translation.override("th"):
        thai = translation.gettext(msgid)
    await database_sync_to_async(identify)(member, room_meeting)
    for cookies, headers, expected in [
        ({"django_language": "en"}, [(b"accept-language", b"th")], msgid),
        ({}, [(b"accept-language", b"en-US,en;q=0.9")], msgid),
        ({}, [], thai),
    ]:
        socket = await connect_socket(
            member, room_meeting, cookies=cookies, headers=headers
        )
        assert (await socket.receive())["type"] == "snapshot"
        await socket.send({"type": "meeting.close", "ref": "c"})
        frame, _ = await socket.receive_until(is_type("error"))
        assert frame["code"] == "CHAIR_ONLY"
        assert frame["message"] == expected


async def test_objects_of_another_meeting_are_not_found(
    in_room_socket: Any, chair: Any, outsider: Any, make_meeting: Any
) -> None:
    other = await database_sync_to_async(make_meeting)(days_ahead=20)
    other_item = await database_sync_to_async(
        lambda: other.agenda_items.order_by("position").first()
    )()
    socket = await in_room_socket(chair)
    for message in (
        {"type": "item.set", "item": str(other_item.pk)},
        {"type": "floor.give", "user": str(outsider.pk)},
        {"type": "incident.handle", "incident": str(uuid.uuid4()), "handling": "x"},
        {"type": "participant.remove", "user": str(outsider.pk), "reason": "x"},
    ):
        await socket.send({**message, "ref": message["type"]})
        frame = await socket.receive()
        assert (frame["code"], frame["ref"]) == ("NOT_FOUND", message["type"])


async def test_leave_closes_the_socket_and_records_left_without_incident(
    in_room_socket: Any, chair: Any, member: Any, room_meeting: Meeting
) -> None:
    from tests.realtime.conftest import open_room

    await database_sync_to_async(open_room)(room_meeting, chair)
    socket = await in_room_socket(member)
    await socket.send({"type": "leave"})
    frame, _ = await socket.receive_until(is_type(CLOSED))
    assert frame["code"] == 1000
    await socket.disconnect()
    connection = await database_sync_to_async(Connection.objects.get)(user=member)
    assert connection.disconnect_reason == "left"
    assert connection.disconnected_at is not None
    kinds = await database_sync_to_async(
        lambda: list(Incident.objects.values_list("kind", flat=True))
    )()
    assert "connection_lost" not in kinds


async def test_a_frame_is_json_with_thai_text_unescaped(
    in_room_socket: Any, member: Any
) -> None:
    socket = await in_room_socket(member)
    await socket.send({"type": "snapshot.get"})
    output = await socket.communicator.receive_output(10)
    assert "การประชุม" in output["text"]
    assert json.loads(output["text"])["type"] == "snapshot"
