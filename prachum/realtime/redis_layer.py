"""The Redis channel layer, made to ride out a Redis restart (issue 15 point 10).

With ``channels_redis`` as it is, Redis going away for a few seconds ends every room
socket of every web process: each consumer's ``receive`` raises, the consumer dies,
and everyone drops out of the room (and out of the quorum) because of our plumbing,
not their line. Redis started again empty also forgets every group, so the room's
events would stop crossing between processes until someone joins again.

This layer

* waits instead of raising when ``receive`` loses Redis: it pings every
  :data:`RETRY_SECONDS` until Redis answers, then goes on receiving;
* remembers which groups each local channel joined, and joins them again when Redis
  is back (an empty Redis knows none);
* then calls the listeners registered with :meth:`on_recovered` once: the room hub
  sends every socket a fresh snapshot, since events published meanwhile were lost;
* lets ``group_discard`` fail quietly while Redis is away (the membership is gone
  with it, or expires).

``group_send`` still raises: the publisher (``core.events.publish_on_commit``) logs it
and the room resyncs when Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 0.5
LOST = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


class ResilientRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._joined: defaultdict[str, set[str]] = defaultdict(set)
        self._listeners: list[Callable[[], Awaitable[None]]] = []
        self._recovering: asyncio.Task[None] | None = None

    def on_recovered(self, listener: Callable[[], Awaitable[None]]) -> None:
        """``await listener()`` each time Redis comes back after being lost."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self._joined[channel].add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        joined = self._joined.get(channel)
        if joined is not None:
            joined.discard(group)
            if not joined:
                del self._joined[channel]
        try:
            await super().group_discard(group, channel)
        except LOST:
            logger.info("channel layer: Redis away, %s left %s anyway", channel, group)

    async def receive(self, channel: str) -> dict[str, Any]:
        while True:
            try:
                message: dict[str, Any] = await super().receive(channel)
                return message
            except LOST:
                await self._wait_for_redis()

    async def _wait_for_redis(self) -> None:
        """Every receiver lost Redis together: one of them waits for it, all follow."""
        if self._recovering is None or self._recovering.done():
            self._recovering = asyncio.get_running_loop().create_task(self._recover())
        await asyncio.shield(self._recovering)

    async def _recover(self) -> None:
        logger.warning("channel layer: Redis lost; waiting for it to come back")
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            try:
                await self.connection(0).ping()
                for channel, groups in list(self._joined.items()):
                    for group in list(groups):
                        await super().group_add(group, channel)
            except LOST:
                continue
            break
        logger.warning("channel layer: Redis is back; rooms resync")
        for listener in list(self._listeners):
            try:
                await listener()
            except Exception:
                logger.exception("channel layer: a recovery listener failed")
