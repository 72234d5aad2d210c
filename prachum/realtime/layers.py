"""The in-memory channel layer, made to fan out to a thousand sockets.

Channels' ``InMemoryChannelLayer`` deep-copies a group message once per member channel
(a task each), and walks every channel and group to expire old messages on *every*
``send``, ``receive`` and ``group_send``: with N sockets in a room one event costs
O(N²). Worse, when one message expires it drops the channel from all its groups, so
a socket that fell a minute behind during a join storm silently never gets another
room event. This layer

* copies a group message once (the receivers share it, read-only, as they share one
  decoded message per process with ``channels_redis``);
* expires at most once a second;
* drops a channel from its groups only when nobody has read it for ``expiry``
  seconds (a dead consumer), not when a live one is behind: that one loses the old
  messages only (the page sees the version gap and refetches the snapshot).

Everything else (capacity, expiry, groups) is Channels' own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from copy import deepcopy
from typing import Any

from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

CLEAN_EVERY_SECONDS = 1.0


class FanOutInMemoryChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """``InMemoryChannelLayer`` with one copy per group message and lazy expiry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_clean = 0.0
        # channel -> when a consumer last asked it for a message (monotonic)
        self._read_at: dict[str, float] = {}

    async def receive(self, channel: str) -> dict[str, Any]:
        self._read_at[channel] = time.monotonic()
        try:
            message: dict[str, Any] = await super().receive(channel)
            return message
        finally:
            self._read_at[channel] = time.monotonic()

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_clean:
            return
        self._next_clean = now + CLEAN_EVERY_SECONDS
        wall = time.time()
        for channel, queue in list(self.channels.items()):
            expired = False
            while not queue.empty() and queue._queue[0][0] < wall:
                queue.get_nowait()
                expired = True
            if not expired:
                continue  # (an empty queue may have a receiver waiting on it)
            if now - self._read_at.get(channel, 0.0) > self.expiry:
                self._remove_from_groups(channel)  # nobody reads it any more
            if queue.empty():
                self.channels.pop(channel, None)
        for channel, read_at in list(self._read_at.items()):
            if channel not in self.channels and now - read_at > 2 * self.expiry:
                del self._read_at[channel]
        timeout = int(wall) - self.group_expiry
        for members in self.groups.values():
            for name, joined in list(members.items()):
                if joined and joined < timeout:
                    members.pop(name, None)

    async def flush(self) -> None:
        await super().flush()
        self._read_at = {}

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = list(self.groups.get(group, ()))
        if not members:
            return
        shared = deepcopy(message)
        expires = time.time() + self.expiry
        full = 0
        for channel in members:
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel))
            )
            try:
                queue.put_nowait((expires, shared))
            except asyncio.QueueFull:
                full += 1
        if full:
            logger.warning(
                "channel layer: %s of %s channels full in group %s",
                full,
                len(members),
                group,
            )
