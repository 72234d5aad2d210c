"""The process's room hub (``prachum.realtime.hub``): one layer subscription per room
and process, every local socket served in order, a slow socket waits alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from prachum.meetings.models import Meeting
from prachum.realtime.hub import OUTBOX_LIMIT, Outbox
from prachum.room import state as room_state
from tests.realtime.conftest import Connect, enter_room

pytestmark = [pytest.mark.asyncio]


@pytest.mark.django_db(transaction=True)
async def test_the_sockets_of_a_room_share_one_subscription_and_each_gets_every_event(
    channel_layer: str,
    connect_socket: Connect,
    room_meeting: Meeting,
    chair: Any,
    member: Any,
    vice_chair: Any,
) -> None:
    sockets = [
        (await enter_room(connect_socket, user, room_meeting))[0]
        for user in (chair, member, vice_chair)
    ]
    layer = get_channel_layer()
    group = room_state.room_group(room_meeting.pk)
    if channel_layer == "memory":
        # one channel in the room group for the whole process, not one per socket
        assert len(layer.groups[group]) == 1
    version = 1000
    for n in range(5):
        await layer.group_send(
            group,
            {
                "type": "room.event",
                "group": group,
                "event": {"type": "floor.given", "version": version + n, "patch": {}},
            },
        )
    for socket in sockets:
        seen = []
        while len(seen) < 5:
            frame = await socket.receive(timeout=5)
            if frame["type"] == "event" and frame["version"] >= version:
                seen.append(frame["version"])
        assert seen == [version + n for n in range(5)]
    for socket in sockets:
        await socket.communicator.disconnect()
    if channel_layer == "memory":
        assert not layer.groups.get(group)


async def test_a_socket_that_cannot_keep_up_drops_its_backlog_and_no_one_waits() -> (
    None
):
    gate = asyncio.Event()
    slow_sent: list[str] = []
    fast_sent: list[str] = []

    async def slow_send(text: str) -> None:
        await gate.wait()  # a member on a bad line: the first frame never leaves
        slow_sent.append(text)

    async def fast_send(text: str) -> None:
        fast_sent.append(text)

    slow, fast = Outbox(slow_send), Outbox(fast_send)
    slow.start()
    fast.start()
    frames = [str(n) for n in range(OUTBOX_LIMIT + 100)]
    for text in frames:
        slow.put(text)
        fast.put(text)
        await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    assert fast_sent == frames  # never held up by the slow one
    assert slow.dropped > 0
    gate.set()
    for _ in range(200):
        await asyncio.sleep(0)
    # The slow socket gets the newest frames in order; the page sees the gap in
    # versions and refetches the snapshot.
    assert slow_sent[-1] == frames[-1]
    assert slow_sent == sorted(slow_sent, key=int)
    assert len(slow_sent) + slow.dropped == len(frames)
    await slow.stop()
    await fast.stop()
