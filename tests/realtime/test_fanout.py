"""Issue 4's fan-out: small patches that rebuild the snapshot, a broadcast path that
never waits for the database, and a handshake that does not wait for the join."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from config.asgi import application
from prachum.attendance.models import LocationKind
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import connections as room_connections
from prachum.room import participants as room_participants
from prachum.room import snapshot as room_snapshot
from prachum.room import state as room_state
from tests.realtime.conftest import (
    CLOSED,
    ORIGIN,
    Client,
    Connect,
    Frame,
    enter_room,
    is_type,
    open_room,
    session_cookie,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

COMPARED = ("version", "meeting", "current_item", "participants", "quorum", "floor")


def apply_patch(snapshot: dict[str, Any], patch: dict[str, Any]) -> None:
    """``applyPatch`` of static/js/room.js, in Python."""
    if "participants" in patch:
        snapshot["participants"] = patch["participants"]
    if "participant" in patch:
        row = patch["participant"]
        ids = [p["id"] for p in snapshot["participants"]]
        if row["id"] in ids:
            snapshot["participants"][ids.index(row["id"])] = row
        else:
            snapshot["participants"].append(row)
    for key in ("quorum", "floor", "current_item"):
        if key in patch:
            snapshot[key] = patch[key]
    if "meeting_status" in patch:
        snapshot["meeting"]["status"] = patch["meeting_status"]


def _vouch_and_make_secret(meeting: Meeting, chair: Any, person: Any) -> AgendaItem:
    room_participants.vouch_identity(
        actor=chair,
        meeting=meeting,
        user=person,
        location=LocationKind.REMOTE,
        in_kingdom=True,
    )
    item = meeting.agenda_items.filter(parent=None).order_by("position")[1]
    AgendaItem.objects.filter(pk=item.pk).update(is_secret=True)
    return item


async def test_the_patches_rebuild_the_snapshot_and_carry_only_changed_rows(
    connect_socket: Connect,
    room_meeting: Meeting,
    chair: Any,
    member: Any,
    vice_chair: Any,
) -> None:
    socket, state = await enter_room(connect_socket, member, room_meeting)
    chair_socket, _ = await enter_room(connect_socket, chair, room_meeting)
    secret = await database_sync_to_async(_vouch_and_make_secret)(
        room_meeting, chair, vice_chair
    )
    # One factor only (vouched): in the room now, not for the secret item (R15).
    vouched = await connect_socket(vice_chair, room_meeting)
    assert (await vouched.receive())["type"] == "snapshot"
    await database_sync_to_async(open_room)(room_meeting, chair)
    await chair_socket.send({"type": "item.set", "item": str(secret.pk), "ref": "s"})
    await chair_socket.receive_until(is_type("ack"))
    forced = await vouched.receive_until(lambda f: f["type"] == CLOSED)
    assert forced[0]["code"] == 4403

    started: Frame | None = None
    while started is None:
        frame = await socket.receive()
        if frame["type"] != "event":
            continue
        assert frame["version"] == state["version"] + 1
        apply_patch(state, frame["patch"])
        state["version"] = frame["version"]
        if frame["kind"] == "agenda.item_started":
            started = frame
    # Only the row that changed travels: the vouched person, now out.
    assert "participants" not in started["patch"]
    assert started["patch"]["participant"]["id"] == str(vice_chair.pk)
    assert started["patch"]["participant"]["connected"] is False
    assert started["patch"]["participant"]["identified"] is False

    await socket.send({"type": "snapshot.get"})
    fresh, _ = await socket.receive_until(is_type("snapshot"))
    assert {k: state[k] for k in COMPARED} == {
        k: fresh["snapshot"][k] for k in COMPARED
    }


async def test_a_change_moving_nobody_sends_no_rows_and_many_send_the_list() -> None:
    a = {"id": "a", "connected": True}
    b = {"id": "b", "connected": True}
    assert room_snapshot.participants_patch([a, b], [dict(a), dict(b)]) == {}
    moved = {"id": "b", "connected": False}
    assert room_snapshot.participants_patch([a, b], [a, moved]) == {
        "participant": moved
    }
    both = [{"id": "a", "connected": False}, moved]
    assert room_snapshot.participants_patch([a, b], both) == {"participants": both}
    assert room_snapshot.participants_patch([a, b], [a]) == {"participants": [a]}


async def test_a_room_event_reaches_the_socket_while_the_database_thread_is_busy(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    socket, snapshot = await enter_room(connect_socket, member, room_meeting)
    layer = get_channel_layer()
    assert layer is not None
    gate = threading.Event()
    # Hold the one thread every database call runs in (as a join storm would).
    busy = asyncio.ensure_future(sync_to_async(gate.wait)(10))
    await asyncio.sleep(0.05)
    try:
        version = snapshot["version"] + 1
        group = room_state.room_group(room_meeting.pk)
        await layer.group_send(
            group,
            {
                "type": "room.event",
                "group": group,
                "event": {"type": "floor.given", "version": version, "patch": {}},
            },
        )
        frame = await socket.receive(timeout=2)
        assert not busy.done()
    finally:
        gate.set()
        await busy
    assert frame == {
        "type": "event",
        "kind": "floor.given",
        "version": version,
        "patch": {},
    }


async def test_the_handshake_is_accepted_before_a_slow_join_and_an_outsider_is_refused(
    channel_layer: str,
    room_meeting: Meeting,
    outsider: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open = room_connections.open_connection

    def slow_open(**kwargs: Any) -> Any:
        time.sleep(1.5)  # the room lock, under a thousand joins
        return real_open(**kwargs)

    monkeypatch.setattr(room_connections, "open_connection", slow_open)
    cookie = await database_sync_to_async(session_cookie)(outsider)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/meetings/{room_meeting.pk}/",
        headers=[
            (b"origin", ORIGIN),
            (
                b"cookie",
                f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode(),
            ),
        ],
    )
    connected, _ = await communicator.connect(timeout=1)
    assert connected
    socket = Client(communicator)
    assert await socket.nothing_more(0.5)  # nothing of the room while joining
    frame = await socket.receive()
    assert (frame["type"], frame["code"]) == ("error", "NOT_PARTICIPANT")
    assert await socket.receive() == {"type": CLOSED, "code": 4403}
