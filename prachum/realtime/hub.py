"""One subscription per process to a room's events, fanned out to its sockets here.

Channels delivers a group message to every member channel: with a thousand sockets
in a room, one event is a thousand layer messages, a thousand consumer tasks woken
(each through ``asyncio.wait`` and a new receive task), and, with Redis, a thousand
list pushes. Measured on the 2-core machine (``bench/fanout.py``, issue 4): a bare
Channels consumer re-broadcasting a 400-byte frame to 1,000 sockets took 191 ms at
the median and 289 ms at p99, against 43/69 ms for a plain ASGI loop over the same
uvicorn sockets.

So the sockets of a room do not join the room group themselves. The first socket of
a room in a process makes the process's :class:`RoomHub` join it with one channel
of its own; the hub receives each room event once, encodes its frame once, and puts
it in the outbox of every local socket of that room. Each socket's writer task sends
its outbox in order. A socket that cannot keep up (a member on a bad line) only
grows its own outbox; past ``OUTBOX_LIMIT`` frames the backlog is dropped and the
page, seeing a version gap at the next event, refetches the snapshot (ARCHITECTURE
§4), as it would after a reconnect. Nobody else waits for it.

Per-person and console groups (a forced close, incidents) stay ordinary Channels
groups: they carry a few messages to a few sockets.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

logger = logging.getLogger(__name__)

OUTBOX_LIMIT = 500  # frames waiting for one socket before its backlog is dropped
RETRY_SECONDS = 0.5  # after the channel layer failed to deliver to the hub


class Outbox:
    """The frames waiting for one socket, sent in order by one writer task."""

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self._send = send
        self._frames: deque[str] = deque()
        self._wake: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def put(self, text: str) -> None:
        if len(self._frames) >= OUTBOX_LIMIT:
            # The page will see the version gap and refetch the snapshot.
            self.dropped += len(self._frames)
            self._frames.clear()
        self._frames.append(text)
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    def start(self) -> None:
        """Begin sending (after the snapshot: frames put before wait until then)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                while self._frames:
                    await self._send(self._frames.popleft())
                self._wake = loop.create_future()
                await self._wake
                self._wake = None
        except asyncio.CancelledError:
            raise
        except Exception:
            # The socket went away mid-send; its consumer's close path records it.
            self._frames.clear()
            logger.info("room socket writer stopped: send failed", exc_info=True)

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._frames.clear()
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            # the socket is going anyway; its own close path records why
            logger.debug("room socket writer ended with an error", exc_info=True)


class Member(Protocol):
    """What the hub needs of a socket."""

    outbox: Outbox

    def frame_for(self, event: dict[str, Any]) -> str | None:
        """The frame text of a room event for this socket, or ``None`` when the
        event is not a plain broadcast (the socket handles it itself)."""
        ...

    def handle_room_message(self, message: dict[str, Any]) -> None:
        """Take a room message that is not a plain broadcast."""
        ...

    def resync(self) -> None:
        """Send the page a fresh snapshot (events may have been lost)."""
        ...


class RoomHub:
    """This process's subscriber to room groups, for one event loop and layer."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.groups: dict[str, dict[Member, None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def join(self, group: str, member: Member) -> None:
        async with self._lock:
            if self.channel is None:
                # The layer's default prefix: ``channels_redis`` reads every
                # process-local channel through one list per process, named by it.
                self.channel = await self.layer.new_channel()
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._run())
                on_recovered = getattr(self.layer, "on_recovered", None)
                if on_recovered is not None:  # the Redis layer (realtime.redis_layer)
                    on_recovered(self.resync_all)
            # (Re)joined on every local join: keeps the layer's group membership
            # from expiring (``group_expiry``) while the room is in use here.
            await self.layer.group_add(group, self.channel)
            self.groups.setdefault(group, {})[member] = None

    async def leave(self, group: str, member: Member) -> None:
        async with self._lock:
            members = self.groups.get(group)
            if members is None:
                return
            members.pop(member, None)
            if not members:
                del self.groups[group]
                if self.channel is not None:
                    await self.layer.group_discard(group, self.channel)
            if not self.groups and self._task is not None:
                # No room here any more: stop listening (a later join restarts).
                self._task.cancel()
                self._task = None

    async def resync_all(self) -> None:
        """The channel layer was away and is back: events published meanwhile are
        lost, so every local socket gets a fresh snapshot."""
        for members in list(self.groups.values()):
            for member in list(members):
                member.resync()

    def local_members(self, group: str) -> int:
        return len(self.groups.get(group, ()))

    async def _run(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception(
                    "room hub: the channel layer failed; sockets resync on the next event"
                )
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self.deliver(message)

    def deliver(self, message: dict[str, Any]) -> None:
        members = self.groups.get(message.get("group", ""))
        if not members:
            return
        # The frame is the same for every socket of the room: encoded once.
        text = next(iter(members)).frame_for(message.get("event") or {})
        for member in list(members):
            if text is None:
                member.handle_room_message(message)
            else:
                member.outbox.put(text)


# One hub per event loop and channel layer (tests run several loops in one process).
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, RoomHub]] = (
    weakref.WeakKeyDictionary()
)


def hub_for(layer: Any) -> RoomHub:
    loop = asyncio.get_running_loop()
    per_loop = _hubs.setdefault(loop, {})
    hub = per_loop.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_loop[id(layer)] = RoomHub(layer)
    return hub
