"""aiortc bots that publish and receive audio through Janus's VideoRoom.

A bot is what a participant's browser does, minus the browser: it talks to the Janus
HTTP API with a join token and the room's PIN (from ``JanusMediaServer.join_token``
and ``room_pin``), long-polls for events, and sends or receives Opus over WebRTC.

Everything must run inside the test's network namespace (``tests/netns.py``): the
:class:`BotLoop` is an asyncio loop in a thread inside it, so the bots' HTTP requests,
ICE sockets and the threads they start are all there. aioice's host candidates are
pinned to the namespace's ``v1`` address (:func:`pin_host_address`): it would
otherwise offer every address of the namespace and drops 127.0.0.1 anyway. No STUN:
``RTCConfiguration(iceServers=[])``.

Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import http.client
import json
import math
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aioice.ice
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, CodecContext, Packet

from tests.netns import NetNamespace

T = TypeVar("T")
Json = dict[str, Any]
VIDEOROOM = "janus.plugin.videoroom"
SAMPLE_RATE = 48000
PTIME = 0.020
#: A bot's session polls for events at most this long (tests and benches are shorter).
MAX_SESSION_SECONDS = 3600.0
# No proxy, whatever the environment says: Janus is on the namespace's loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def pin_host_address(address: str) -> None:
    """Make aioice offer only ``address`` as its host candidate (process-wide)."""

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [address] if use_ipv4 else []

    aioice.ice.get_host_addresses = host_addresses


# -- audio sources ------------------------------------------------------------------


class ToneTrack(MediaStreamTrack):
    """A sine tone, 48 kHz mono s16, in 20 ms frames paced in real time.

    400 Hz fits 8 whole periods in a frame, so one precomputed frame repeats
    exactly (cheap enough for 50 bots). ``silent`` switches to digital silence.
    """

    kind = "audio"

    def __init__(self, frequency: int = 400, amplitude: float = 0.3) -> None:
        super().__init__()
        samples = int(SAMPLE_RATE * PTIME)
        if (frequency * samples) % SAMPLE_RATE:
            raise ValueError("the frequency must fit whole periods into 20 ms")
        peak = int(32767 * amplitude)
        self._tone = b"".join(
            int(peak * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)).to_bytes(
                2, "little", signed=True
            )
            for i in range(samples)
        )
        self._silence = bytes(2 * samples)
        self._samples = samples
        self._start: float | None = None
        self._pts = 0
        self.silent = False
        self.frames_sent = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._pts += self._samples
            wait = self._start + self._pts / SAMPLE_RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = AudioFrame(format="s16", layout="mono", samples=self._samples)
        frame.planes[0].update(self._silence if self.silent else self._tone)
        frame.pts = self._pts
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self.frames_sent += 1
        return frame


class OpusToneTrack(ToneTrack):
    """The same tone as Opus packets encoded once: no encoding per frame.

    aiortc sends an ``av.Packet`` from ``recv()`` as it is, so a bot publishing
    this costs a fraction of one that encodes (for benchmarks with many bots).
    One second of packets is encoded like aiortc's own encoder does and looped
    (``silent`` is not supported).
    """

    _cache: dict[tuple[int, float], list[bytes]] = {}

    def __init__(self, frequency: int = 400, amplitude: float = 0.3) -> None:
        super().__init__(frequency, amplitude)
        key = (frequency, amplitude)
        if key not in self._cache:
            self._cache[key] = self._encode(self._tone)
        self._packets = self._cache[key]
        self._index = 0

    @staticmethod
    def _encode(tone: bytes) -> list[bytes]:
        codec = CodecContext.create("libopus", "w")
        codec.bit_rate = 96000
        codec.format = "s16"
        codec.layout = "stereo"
        codec.options = {"application": "voip"}
        codec.sample_rate = SAMPLE_RATE
        codec.time_base = fractions.Fraction(1, SAMPLE_RATE)
        samples = len(tone) // 2
        stereo = b"".join(tone[i : i + 2] * 2 for i in range(0, len(tone), 2))
        packets: list[bytes] = []
        for index in range(60):  # ten more than we keep: the encoder's start-up
            frame = AudioFrame(format="s16", layout="stereo", samples=samples)
            frame.planes[0].update(stereo)
            frame.pts = index * samples
            frame.sample_rate = SAMPLE_RATE
            frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
            packets += [bytes(p) for p in codec.encode(frame)]
        return packets[-50:]

    async def recv(self) -> Any:
        frame = await super().recv()
        packet = Packet(self._packets[self._index % len(self._packets)])
        self._index += 1
        packet.pts = frame.pts
        packet.time_base = fractions.Fraction(1, SAMPLE_RATE)
        return packet


def wav_track(path: str) -> MediaStreamTrack:
    """The audio of a WAV (or any file PyAV reads), paced in real time."""
    player = MediaPlayer(path)
    if player.audio is None:
        raise ValueError(f"{path} has no audio")
    return player.audio


# -- the Janus HTTP API -------------------------------------------------------------


class JanusApiError(RuntimeError):
    """Janus or the VideoRoom answered with an error."""


def _http(url: str, body: Json | None, timeout: float) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    with _OPENER.open(request, timeout=timeout) as response:
        return json.load(response)


class JanusSession:
    """One Janus session over HTTP, with a long-poll thread feeding its events.

    Create it from the bot loop's thread (inside the namespace): the poller thread
    it starts inherits the namespace.
    """

    def __init__(self, http_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.http_url = http_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.id = 0
        self.events: list[Json] = []
        self._loop = asyncio.get_running_loop()
        self._waiters: dict[str, asyncio.Future[Json]] = {}
        self._changed = asyncio.Event()
        self._closed = threading.Event()

    async def _post(self, path: str, body: Json) -> Json:
        body = {"transaction": secrets.token_hex(8), "token": self.token, **body}
        answer: Json = await asyncio.to_thread(
            _http, self.http_url + path, body, self.timeout
        )
        return answer

    async def create(self) -> None:
        answer = await self._post("", {"janus": "create"})
        if answer.get("janus") != "success":
            raise JanusApiError(f"create: {answer}")
        self.id = int(answer["data"]["id"])
        threading.Thread(
            target=self._poll, name=f"janus-poll-{self.id}", daemon=True
        ).start()

    async def attach(self) -> int:
        answer = await self._post(
            f"/{self.id}", {"janus": "attach", "plugin": VIDEOROOM}
        )
        if answer.get("janus") != "success":
            raise JanusApiError(f"attach: {answer}")
        return int(answer["data"]["id"])

    def _poll(self) -> None:
        query = urllib.parse.urlencode({"maxev": 20, "token": self.token})
        url = f"{self.http_url}/{self.id}?{query}"
        failures = 0
        deadline = time.monotonic() + MAX_SESSION_SECONDS
        while (
            not self._closed.is_set() and failures < 3 and time.monotonic() < deadline
        ):
            try:
                answer = _http(url, None, 40.0)  # Janus answers within 30 s
            except (OSError, http.client.HTTPException, ValueError):
                # Cut off (session destroyed, Janus gone) or garbled: retry a little.
                failures += 1
                time.sleep(0.2)
                continue
            failures = 0
            batch = answer if isinstance(answer, list) else [answer]
            if self._closed.is_set():
                return
            with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                self._loop.call_soon_threadsafe(self._deliver, batch)

    def _deliver(self, batch: list[Json]) -> None:
        for event in batch:
            if event.get("janus") == "keepalive":
                continue
            waiter = self._waiters.pop(str(event.get("transaction", "")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
            else:
                self.events.append(event)
        self._changed.set()

    async def message(
        self, handle: int, body: Json, jsep: Json | None = None
    ) -> tuple[Json, Json | None]:
        """Send a plugin message; the plugin's data and JSEP (from the event)."""
        transaction = secrets.token_hex(8)
        waiter: asyncio.Future[Json] = self._loop.create_future()
        self._waiters[transaction] = waiter
        request: Json = {"janus": "message", "body": body, "transaction": transaction}
        if jsep is not None:
            request["jsep"] = jsep
        try:
            answer = await self._post(f"/{self.id}/{handle}", request)
            if answer.get("janus") == "success":  # answered at once
                event = answer
            elif answer.get("janus") == "ack":
                event = await asyncio.wait_for(waiter, self.timeout)
            else:
                raise JanusApiError(f"{body.get('request')}: {answer}")
        finally:
            self._waiters.pop(transaction, None)
        data = (event.get("plugindata") or {}).get("data") or {}
        if "error_code" in data:
            raise JanusApiError(f"{body.get('request')}: {data}")
        return data, event.get("jsep")

    async def wait_event(
        self, predicate: Callable[[Json], bool], timeout: float
    ) -> Json:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching Janus event in {timeout} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def destroy(self) -> None:
        self._closed.set()
        if self.id:
            with contextlib.suppress(Exception):
                await self._post(f"/{self.id}", {"janus": "destroy"})


def _await_ice(pc: RTCPeerConnection, timeout: float) -> Awaitable[None]:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @pc.on("iceconnectionstatechange")
    def changed() -> None:
        state = pc.iceConnectionState
        if done.done():
            return
        if state in ("connected", "completed"):
            done.set_result(None)
        elif state in ("failed", "closed"):
            done.set_exception(RuntimeError(f"ICE {state}"))

    return asyncio.wait_for(done, timeout)


# -- bots -----------------------------------------------------------------------------


@dataclass
class Access:
    """What the web app hands an admitted participant."""

    http_url: str
    room: int
    pin: str
    token: str


@dataclass
class AudioPublisher:
    """Joins a room as a publisher and sends one audio track."""

    access: Access
    display: str
    track: MediaStreamTrack
    session: JanusSession | None = None
    handle: int = 0
    id: int = 0
    private_id: int = 0
    pc: RTCPeerConnection | None = None
    #: Seconds from sending the offer to ICE connected.
    ice_seconds: float = 0.0
    #: Seconds from sending the offer to Janus's ``webrtcup``.
    webrtcup_seconds: float = 0.0
    joined_at: float = 0.0

    async def start(
        self, *, filename: str | None = None, timeout: float = 15.0
    ) -> None:
        self.session = JanusSession(self.access.http_url, self.access.token)
        await self.session.create()
        self.handle = await self.session.attach()
        data, _ = await self.session.message(
            self.handle,
            {
                "request": "join",
                "ptype": "publisher",
                "room": self.access.room,
                "pin": self.access.pin,
                "display": self.display,
            },
        )
        self.id = int(data["id"])
        self.private_id = int(data.get("private_id") or 0)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTrack(self.track)
        began = time.monotonic()
        ice = _await_ice(self.pc, timeout)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        body: Json = {"request": "publish", "audio": True, "video": False}
        if filename:
            body["filename"] = filename
        local = self.pc.localDescription
        _, jsep = await self.session.message(
            self.handle, body, {"type": local.type, "sdp": local.sdp}
        )
        if jsep is None:
            raise JanusApiError("publish: no answer SDP")
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=jsep["sdp"], type=jsep["type"])
        )
        await ice
        self.ice_seconds = time.monotonic() - began
        await self.session.wait_event(
            lambda e: e.get("janus") == "webrtcup" and e.get("sender") == self.handle,
            timeout,
        )
        self.webrtcup_seconds = time.monotonic() - began
        self.joined_at = time.time()

    async def rtp_sent(self) -> tuple[int, int]:
        """(RTP packets, payload bytes) sent so far."""
        if self.pc is None:
            return 0, 0
        report = await self.pc.getStats()
        packets = sent = 0
        for stats in report.values():
            if getattr(stats, "type", "") == "outbound-rtp":
                packets += int(stats.packetsSent)
                sent += int(stats.bytesSent)
        return packets, sent

    async def stop(self) -> None:
        if self.session is not None and self.handle:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.session.message(self.handle, {"request": "leave"}), 5
                )
        if self.pc is not None:
            await self.pc.close()
        if self.session is not None:
            await self.session.destroy()


@dataclass
class FeedCounter:
    frames: int = 0
    first_at: float | None = None
    last_at: float | None = None


@dataclass
class AudioSubscriber:
    """Joins (without publishing) to get a private id, then receives ``feeds``.

    Counts decoded audio frames per track; :meth:`rtp_stats` sums the RTP inbound
    statistics (packets received and lost).
    """

    access: Access
    display: str = "subscriber"
    session: JanusSession | None = None
    pc: RTCPeerConnection | None = None
    counters: list[FeedCounter] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    ice_seconds: float = 0.0

    async def start(self, feeds: list[int], *, timeout: float = 20.0) -> None:
        self.session = JanusSession(self.access.http_url, self.access.token)
        await self.session.create()
        owner = await self.session.attach()
        data, _ = await self.session.message(
            owner,
            {
                "request": "join",
                "ptype": "publisher",
                "room": self.access.room,
                "pin": self.access.pin,
                "display": self.display,
            },
        )
        private_id = int(data.get("private_id") or 0)
        handle = await self.session.attach()
        _, offer = await self.session.message(
            handle,
            {
                "request": "join",
                "ptype": "subscriber",
                "room": self.access.room,
                "pin": self.access.pin,
                "private_id": private_id,
                "streams": [{"feed": feed} for feed in feeds],
            },
        )
        if offer is None:
            raise JanusApiError("subscribe: no offer SDP")
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            counter = FeedCounter()
            self.counters.append(counter)
            self.tasks.append(asyncio.ensure_future(self._count(track, counter)))

        began = time.monotonic()
        ice = _await_ice(self.pc, timeout)
        await self.pc.setRemoteDescription(
            RTCSessionDescription(sdp=offer["sdp"], type=offer["type"])
        )
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        local = self.pc.localDescription
        await self.session.message(
            handle, {"request": "start"}, {"type": local.type, "sdp": local.sdp}
        )
        await ice
        self.ice_seconds = time.monotonic() - began

    @staticmethod
    async def _count(track: MediaStreamTrack, counter: FeedCounter) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                await track.recv()
                now = time.monotonic()
                counter.frames += 1
                counter.last_at = now
                if counter.first_at is None:
                    counter.first_at = now

    @property
    def frames(self) -> int:
        return sum(c.frames for c in self.counters)

    async def rtp_stats(self) -> tuple[int, int]:
        """(packets received, packets lost) over every inbound RTP stream."""
        assert self.pc is not None
        report = await self.pc.getStats()
        received = lost = 0
        for stats in report.values():
            if getattr(stats, "type", "") == "inbound-rtp":
                received += int(stats.packetsReceived)
                lost += max(0, int(stats.packetsLost))
        return received, lost

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.pc is not None:
            await self.pc.close()
        if self.session is not None:
            await self.session.destroy()


# -- running them inside the namespace --------------------------------------------------


class BotLoop:
    """An asyncio loop in a daemon thread inside ``ns``; ``call`` runs coroutines."""

    def __init__(self, ns: NetNamespace) -> None:
        pin_host_address(ns.peer_address)
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(ready.set)
            self.loop.run_forever()

        self.thread = ns.start_thread(run, name="bot-loop")
        if not ready.wait(10):
            raise RuntimeError("the bot loop did not start")

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, timeout: float = 10.0) -> None:
        async def drain() -> None:
            for _ in range(3):  # cancelled tasks may start cleanup tasks
                tasks = [
                    t for t in asyncio.all_tasks() if t is not asyncio.current_task()
                ]
                if not tasks:
                    break
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks, timeout=2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.loop.shutdown_default_executor(), 3)

        with contextlib.suppress(Exception):
            self.call(drain(), timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)
        if not self.thread.is_alive():
            self.loop.close()

    def __enter__(self) -> BotLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
