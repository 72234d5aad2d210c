"""The fan-out in-memory channel layer (issue 4): one copy per group message, and a
socket that falls behind loses old messages, never its groups."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from prachum.realtime import layers
from prachum.realtime.layers import FanOutInMemoryChannelLayer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def clean_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "CLEAN_EVERY_SECONDS", 0.0)


async def test_every_member_gets_the_message_as_it_was_sent() -> None:
    layer = FanOutInMemoryChannelLayer(capacity=10)
    channels = [await layer.new_channel() for _ in range(3)]
    for channel in channels:
        await layer.group_add("meeting.x", channel)
    message: dict[str, Any] = {"type": "room.event", "event": {"version": 1}}
    await layer.group_send("meeting.x", message)
    message["event"]["version"] = 99  # the sender's object is not what was queued
    got = [await asyncio.wait_for(layer.receive(c), 1) for c in channels]
    assert [m["event"]["version"] for m in got] == [1, 1, 1]
    outsider = await layer.new_channel()
    await layer.group_send("meeting.other", message)
    assert outsider not in layer.channels


async def test_a_full_channel_drops_the_new_message_and_others_still_get_it() -> None:
    layer = FanOutInMemoryChannelLayer(capacity=2)
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, fast):
        await layer.group_add("g", channel)
    for version in (1, 2, 3):
        await layer.group_send("g", {"type": "room.event", "v": version})
        if version < 3:
            assert (await layer.receive(fast))["v"] == version
    assert (await layer.receive(fast))["v"] == 3
    assert [(await layer.receive(slow))["v"] for _ in range(2)] == [1, 2]


async def test_a_waiting_receiver_gets_messages_sent_after_a_clean(
    clean_always: None,
) -> None:
    layer = FanOutInMemoryChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0.01)
    layer._clean_expired()
    await layer.group_send("g", {"type": "room.event", "v": 1})
    assert (await asyncio.wait_for(waiting, 1))["v"] == 1


async def test_a_reader_that_fell_behind_loses_old_messages_not_its_groups(
    clean_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = FanOutInMemoryChannelLayer(expiry=1)
    behind, dead = await layer.new_channel(), await layer.new_channel()
    for channel in (behind, dead):
        await layer.group_add("g", channel)
    await layer.group_send("g", {"type": "room.event", "v": 1})
    # Two seconds later: both messages expired; ``behind`` has been reading all the
    # while (it was busy with earlier ones), ``dead`` never read at all.
    clock = layers.time.monotonic() + 2
    wall = layers.time.time() + 2
    monkeypatch.setattr(layers.time, "monotonic", lambda: clock)
    monkeypatch.setattr(layers.time, "time", lambda: wall)
    layer._read_at[behind] = clock - 0.1
    layer._clean_expired()
    assert behind in layer.groups["g"]
    assert dead not in layer.groups["g"]
    await layer.group_send("g", {"type": "room.event", "v": 2})
    assert (await asyncio.wait_for(layer.receive(behind), 1))["v"] == 2
