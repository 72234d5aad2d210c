"""The text gate on the room socket (issue 15 point 4, F5/F10): a lone surrogate, a
control character or a bidi override in any string of a frame is answered with an
``INVALID_TEXT`` error naming the field; nothing is stored, the socket stays usable."""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

import pytest
from channels.db import database_sync_to_async

from prachum.attendance.models import Incident
from prachum.core.text import text_is_clean
from prachum.meetings.models import Meeting
from prachum.realtime.consumers import MeetingRoomConsumer
from tests.realtime.conftest import Client, Connect, identify
from tests.text_strategies import draw_texts

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_room_unthrottled(
    connect_socket: Connect, room_meeting: Meeting, monkeypatch: Any
) -> Any:
    # A clock that jumps ahead on every look: the flood control never refuses here.
    ticks = itertools.count(step=1000)
    monkeypatch.setattr(MeetingRoomConsumer, "clock", staticmethod(lambda: next(ticks)))

    async def run(user: Any) -> Client:
        await database_sync_to_async(identify)(user, room_meeting)
        socket = await connect_socket(user, room_meeting)
        assert (await socket.receive())["type"] == "snapshot"
        return socket

    return run


async def _incidents() -> list[str]:
    return await database_sync_to_async(
        lambda: list(Incident.objects.values_list("description", flat=True))
    )()


async def test_f5_a_lone_surrogate_in_a_socket_incident_is_refused(
    in_room_unthrottled: Any, member: Any
) -> None:
    socket = await in_room_unthrottled(member)
    await socket.send_text(
        '{"type": "incident.report", "ref": "r1", "description": "\\udc00x"}'
    )
    frame = await socket.receive()
    assert (frame["type"], frame["code"], frame["field"], frame["ref"]) == (
        "error",
        "INVALID_TEXT",
        "description",
        "r1",
    )
    assert "ตัวอักษรควบคุม" in frame["message"]
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    assert await _incidents() == []


async def test_f10_a_bidi_override_in_a_socket_incident_is_refused(
    in_room_unthrottled: Any, member: Any
) -> None:
    socket = await in_room_unthrottled(member)
    await socket.send(
        {"type": "incident.report", "ref": "r2", "description": "abc\u202eexe.pdf"}
    )
    frame = await socket.receive()
    assert (frame["code"], frame["field"]) == ("INVALID_TEXT", "description")
    assert await _incidents() == []


async def test_arbitrary_unicode_on_the_socket_is_stored_nfc_or_refused(
    in_room_unthrottled: Any, member: Any
) -> None:
    socket = await in_room_unthrottled(member)
    accepted: list[str] = []
    for text in draw_texts(50):
        await socket.send({"type": "incident.report", "ref": "h", "description": text})
        frame = await socket.receive()
        while (
            frame["type"] == "incident"
        ):  # the room's own broadcast of an accepted one
            frame = await socket.receive()
        if not text_is_clean(text):
            assert (frame["type"], frame["code"]) == ("error", "INVALID_TEXT"), frame
        elif frame["type"] == "error":
            assert frame["code"] != "SERVER_ERROR", (text, frame)
        else:
            assert frame["type"] == "ack", frame
            accepted.append(unicodedata.normalize("NFC", text).strip())
    assert sorted(await _incidents()) == sorted(accepted)
