"""Changes reach everyone in the room: from a socket, from a page, and automatically."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from prachum.attendance.models import Connection
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.realtime.consumers import MeetingRoomConsumer
from prachum.room import floor as room_floor
from tests.realtime.conftest import (
    CLOSED,
    Client,
    Connect,
    Frame,
    identify,
    is_event,
    is_type,
    open_room,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_room(connect_socket: Connect, room_meeting: Meeting) -> Any:
    """``await in_room(user)``: identified, connected; returns the socket and snapshot."""

    async def run(user: Any) -> tuple[Client, Frame]:
        await database_sync_to_async(identify)(user, room_meeting)
        socket = await connect_socket(user, room_meeting)
        frame = await socket.receive()
        assert frame["type"] == "snapshot"
        return socket, frame["snapshot"]

    return run


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.agenda_items.filter(parent=None).order_by("position"))


def _evidence_since(meeting: Meeting, seq: int) -> list[tuple[str, list[str]]]:
    return [
        (e.kind, sorted(e.payload))
        for e in list_events(chain_key=meeting.chain_key).filter(seq__gt=seq)
    ]


def _last_seq(meeting: Meeting) -> int:
    last = list_events(chain_key=meeting.chain_key).last()
    return last.seq if last else 0


async def _follow(socket: Client, kind: str, seen: int) -> tuple[Frame, int]:
    """Read events up to the next ``kind``; every version must be the previous + 1."""
    while True:
        frame = await socket.receive()
        if frame["type"] != "event":
            continue
        assert frame["version"] == seen + 1, (frame, seen)
        seen = frame["version"]
        if frame["kind"] == kind:
            return frame, seen


async def test_the_chair_opens_and_moves_the_agenda_and_a_member_sees_each_version(
    in_room: Any, room_meeting: Meeting, chair: Any, member: Any
) -> None:
    member_socket, snapshot = await in_room(member)
    seen = snapshot["version"]
    chair_socket, _ = await in_room(chair)
    _, seen = await _follow(member_socket, "attendance.joined", seen)

    await chair_socket.send({"type": "meeting.open", "reason": "ทดสอบ", "ref": "o"})
    # The answer says what was done (issue 14 point 7), not a generic "Done."
    assert (await chair_socket.receive_until(is_type("ack")))[0] == {
        "type": "ack",
        "ref": "o",
        "message": "เปิดประชุมแล้ว โดยไม่ครบองค์ประชุม และบันทึกเหตุผลไว้แล้ว",
    }
    opened, seen = await _follow(member_socket, "meeting.opened", seen)
    assert opened["patch"]["meeting_status"] == "open"

    items = await database_sync_to_async(_agenda)(room_meeting)
    await chair_socket.send({"type": "item.set", "item": str(items[1].pk), "ref": "i"})
    ack, _ = await chair_socket.receive_until(is_type("ack"))
    assert ack["ref"] == "i"
    assert ack["message"] == "เริ่มพิจารณาวาระที่ 2 แล้ว"
    # (other room events, such as the media room's, may come between: each version
    # is still the previous + 1)
    started, seen = await _follow(member_socket, "agenda.item_started", seen)
    assert started["patch"]["current_item"]["id"] == str(items[1].pk)

    await member_socket.send({"type": "snapshot.get"})
    fresh, _ = await member_socket.receive_until(is_type("snapshot"))
    assert fresh["snapshot"]["version"] == started["version"]
    assert fresh["snapshot"]["current_item"]["id"] == str(items[1].pk)


async def test_the_same_change_from_a_page_and_from_a_socket_leaves_the_same_record(
    in_room: Any, room_meeting: Meeting, chair: Any, member: Any
) -> None:
    await database_sync_to_async(open_room)(room_meeting, chair)
    items = await database_sync_to_async(_agenda)(room_meeting)
    member_socket, _ = await in_room(member)
    chair_socket, _ = await in_room(chair)

    before = await database_sync_to_async(_last_seq)(room_meeting)
    await chair_socket.send({"type": "item.set", "item": str(items[1].pk), "ref": "s"})
    await chair_socket.receive_until(is_type("ack"))
    by_socket, _ = await member_socket.receive_until(is_event("agenda.item_started"))
    socket_record = await database_sync_to_async(_evidence_since)(room_meeting, before)

    before = await database_sync_to_async(_last_seq)(room_meeting)
    # What the HTTP view does: call the service.
    await database_sync_to_async(room_floor.set_current_item)(
        actor=chair, meeting=room_meeting, item=items[2]
    )
    by_page, _ = await member_socket.receive_until(is_event("agenda.item_started"))
    page_record = await database_sync_to_async(_evidence_since)(room_meeting, before)

    assert socket_record == page_record
    assert [kind for kind, _ in socket_record] == ["agenda.item_started"]
    assert by_page["version"] == by_socket["version"] + 1
    assert sorted(by_page["patch"]) == sorted(by_socket["patch"])


async def test_a_lost_connection_is_an_incident_the_chair_sees_live(
    in_room: Any, room_meeting: Meeting, chair: Any, member: Any
) -> None:
    await database_sync_to_async(open_room)(room_meeting, chair)
    chair_socket, _ = await in_room(chair)
    member_socket, _ = await in_room(member)
    await member_socket.disconnect()

    frame, _ = await chair_socket.receive_until(
        lambda f: f["type"] == "incident" and f["incident"]["kind"] == "connection_lost"
    )
    assert frame["incident"]["subject"] == str(member.pk)
    assert frame["incident"]["handled_at"] is None
    left, _ = await chair_socket.receive_until(is_event("attendance.left"))
    participant = left["patch"]["participant"]
    assert (participant["id"], participant["connected"]) == (str(member.pk), False)
    connection = await database_sync_to_async(Connection.objects.get)(user=member)
    assert connection.disconnect_reason == "lost"

    # The chair records the handling over the socket; the console hears it back.
    await chair_socket.send(
        {
            "type": "incident.handle",
            "incident": frame["incident"]["id"],
            "handling": "โทรศัพท์ติดต่อแล้ว",
            "ref": "h",
        }
    )
    frames = [await chair_socket.receive(), await chair_socket.receive()]
    assert {
        "type": "ack",
        "ref": "h",
        "message": "บันทึกการแก้ไขปัญหาแล้ว",
    } in frames
    handled = next(f for f in frames if f["type"] == "incident")
    assert handled["incident"]["id"] == frame["incident"]["id"]
    assert handled["incident"]["handling"] == "โทรศัพท์ติดต่อแล้ว"


async def test_a_member_does_not_get_incidents(
    in_room: Any, room_meeting: Meeting, chair: Any, member: Any, vice_chair: Any
) -> None:
    await database_sync_to_async(open_room)(room_meeting, chair)
    member_socket, _ = await in_room(member)
    await member_socket.send({"type": "incident.report", "description": "ไม่มีเสียง"})
    assert (await member_socket.receive())["type"] == "ack"
    await member_socket.send({"type": "ping"})
    assert await member_socket.receive() == {"type": "pong"}
    assert await member_socket.nothing_more()


async def test_a_removed_participant_is_closed_and_cannot_come_back(
    connect_socket: Connect,
    in_room: Any,
    room_meeting: Meeting,
    chair: Any,
    member: Any,
) -> None:
    await database_sync_to_async(open_room)(room_meeting, chair)
    member_socket, _ = await in_room(member)
    chair_socket, _ = await in_room(chair)
    await chair_socket.send(
        {
            "type": "participant.remove",
            "user": str(member.pk),
            "reason": "ก่อความวุ่นวาย",
            "ref": "r",
        }
    )
    await chair_socket.receive_until(is_type("ack"))
    removed, skipped = await member_socket.receive_until(lambda f: f["type"] == "error")
    assert removed["code"] == "REMOVED"
    assert [f["kind"] for f in skipped if f["type"] == "event"][-1] == (
        "participant.removed"
    )
    assert await member_socket.receive() == {"type": CLOSED, "code": 4403}
    await member_socket.disconnect()
    connection = await database_sync_to_async(Connection.objects.get)(user=member)
    assert connection.disconnect_reason == "removed"

    again = await connect_socket(member, room_meeting)
    assert (await again.receive())["code"] == "REMOVED"
    assert await again.receive() == {"type": CLOSED, "code": 4403}

    await chair_socket.send(
        {"type": "participant.readmit", "user": str(member.pk), "ref": "a"}
    )
    await chair_socket.receive_until(is_type("ack"))


@pytest.mark.parametrize("channel_layer", ["redis"], indirect=True)
async def test_an_idle_socket_outlives_the_channel_layers_blocking_read(
    in_room: Any, member: Any
) -> None:
    """Longer than ``brpop_timeout`` without a message, then still answering."""
    socket, _ = await in_room(member)
    assert await socket.nothing_more(timeout=6.5)
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}


async def test_a_consumer_that_dies_still_records_the_end_of_its_connection(
    in_room: Any,
    room_meeting: Meeting,
    member: Any,
    chair: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    socket, _ = await in_room(member)

    async def broken(self: MeetingRoomConsumer, **kwargs: Any) -> None:
        raise RuntimeError("channel layer failed")

    # The next frame (here the page's ping) kills the consumer's loop.
    monkeypatch.setattr(MeetingRoomConsumer, "receive", broken)
    await socket.send({"type": "ping"})
    with pytest.raises(RuntimeError, match="channel layer failed"):
        await socket.communicator.wait(timeout=10)
    connection = await database_sync_to_async(Connection.objects.get)(user=member)
    assert connection.disconnect_reason == "lost"
    assert connection.disconnected_at is not None
