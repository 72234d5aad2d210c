"""The Redis channel layer rides out a Redis restart (issue 15 point 10).

Against a real ``redis-server`` of the test's own on a loopback port, stopped and
started again empty: a waiting receiver does not fail, its groups are joined again,
the recovery listeners are called once, and group messages flow again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from prachum.realtime.redis_layer import ResilientRedisChannelLayer
from tests.faults.processes import RedisServer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def own_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


async def test_a_receiver_waits_out_a_redis_restart_and_its_groups_come_back(
    own_redis: RedisServer,
) -> None:
    layer = ResilientRedisChannelLayer(
        hosts=[{"address": own_redis.url, "socket_timeout": 10}]
    )
    recovered: list[int] = []

    async def listener() -> None:
        recovered.append(1)

    layer.on_recovered(listener)
    channel = await layer.new_channel()
    await layer.group_add("meeting.x", channel)
    await layer.group_send("meeting.x", {"type": "room.event", "n": 1})
    assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 1

    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0.3)
    own_redis.stop()  # everything Redis knew (the group) is gone with it
    await asyncio.sleep(2)
    assert not waiting.done(), "the receiver failed instead of waiting for Redis"
    own_redis.start()

    for _ in range(100):  # until the layer has noticed and joined the group again
        if recovered:
            break
        await asyncio.sleep(0.1)
    assert recovered == [1]
    await layer.group_send("meeting.x", {"type": "room.event", "n": 2})
    assert (await asyncio.wait_for(waiting, 10))["n"] == 2
    await layer.close_pools()


async def test_leaving_a_group_while_redis_is_away_does_not_fail(
    own_redis: RedisServer,
) -> None:
    layer = ResilientRedisChannelLayer(hosts=[{"address": own_redis.url}])
    channel = await layer.new_channel()
    await layer.group_add("meeting.y", channel)
    own_redis.stop()
    await layer.group_discard("meeting.y", channel)  # no exception
    own_redis.start()
    await layer.close_pools()
