"""One answered call: its digits, its prompts and the RTP relay to Janus.

The caller's RTP arrives on the call's own socket (advertised in our SDP); the Janus
leg is a second socket on ``janus_rtp_host`` that is the *only* source Janus accepts
for this participant (AudioBridge ``connect()``s to the declared port, guide §1.4).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from prachum.sipgw import g711, rtp
from prachum.sipgw.dtmf import EventDecoder

SAMPLES_PER_FRAME = {"pcma": 160, "pcmu": 160, "opus": 960}
MAX_QUEUED_DIGITS = 64


@dataclass
class CallStats:
    packets_in: int = 0
    bytes_in: int = 0
    packets_out: int = 0
    bytes_out: int = 0
    packets_to_janus: int = 0
    packets_from_janus: int = 0
    repacketised_frames: int = 0
    dropped_wrong_size: int = 0
    dropped_wrong_payload: int = 0
    dropped_foreign: int = 0
    digits: int = 0
    last_rtp_at: dt.datetime | None = None
    last_rtp_monotonic: float = field(default=0.0, repr=False)


class Call:
    """A call the server answered; see ``docs/adr/0023`` and the package's README."""

    def __init__(
        self,
        *,
        call_id: str,
        from_uri: str,
        asserted_identity: str,
        request_uri: str,
        dialled: str,
        source: tuple[str, int],
        transport: str,
        tls_client_verified: bool,
        user_agent: str,
        hangup_hook: Callable[[Call, str], Awaitable[None]],
    ) -> None:
        self.call_id = call_id
        self.from_uri = from_uri
        self.asserted_identity = asserted_identity
        self.request_uri = request_uri
        self.dialled = dialled
        self.source = source
        self.transport = transport
        self.tls_client_verified = tls_client_verified
        self.user_agent = user_agent
        self.codec = ""
        self.payload_type = 0
        self.telephone_event: int | None = None
        self.remote_rtp: tuple[str, int] = ("", 0)
        self.direction = "sendrecv"
        self.answered_at: dt.datetime | None = None
        self.ended = asyncio.Event()
        self.end_reason = ""
        self.stats = CallStats()
        self.dialog: Any = None  # the server's dialog state (server.Dialog)
        self._hangup_hook = hangup_hook
        self._digits: collections.deque[str] = collections.deque()
        self._digit_event = asyncio.Event()
        self._decoder = EventDecoder()
        self._caller_ep: rtp.UdpEndpoint | None = None
        self._janus_ep: rtp.UdpEndpoint | None = None
        self._janus_addr: tuple[str, int] | None = None
        self._caller_addr: tuple[str, int] | None = None
        self._repacketiser: rtp.Repacketiser | None = None
        self._to_caller: rtp.OutStream | None = None
        self._to_janus: rtp.OutStream | None = None
        self._playing = 0

    def __repr__(self) -> str:
        return f"<Call {self.call_id} {self.from_uri} {self.transport} {self.codec}>"

    # -- set up by the server --------------------------------------------------------

    def set_media(
        self, *, codec: str, payload_type: int, telephone_event: int | None,
        remote_rtp: tuple[str, int], direction: str,
    ) -> None:  # fmt: skip
        """The negotiated media (again on a re-INVITE: a new address is followed)."""
        if codec != self.codec:
            self._repacketiser = rtp.Repacketiser(codec) if codec != "opus" else None
            clock = 48000 if codec == "opus" else 8000
            self._to_caller = rtp.OutStream(payload_type, clock)
            self._to_janus = rtp.OutStream(payload_type, clock)
        self.codec = codec
        self.payload_type = payload_type
        self.telephone_event = telephone_event
        if remote_rtp != self.remote_rtp:
            self._caller_addr = None
        self.remote_rtp = remote_rtp
        self.direction = direction

    def attach_sockets(self, caller: rtp.UdpEndpoint, janus: rtp.UdpEndpoint) -> None:
        self._caller_ep = caller
        self._janus_ep = janus

    def mark_answered(self) -> None:
        self.answered_at = dt.datetime.now(dt.UTC)
        self.stats.last_rtp_monotonic = time.monotonic()

    def finish(self, reason: str) -> None:
        """Mark the call ended and close its sockets (the server calls this once)."""
        if self.ended.is_set():
            return
        self.end_reason = reason
        self.ended.set()
        self._digit_event.set()
        rtp.close_quietly(self._caller_ep)
        rtp.close_quietly(self._janus_ep)

    @property
    def on_hold(self) -> bool:
        return self.direction in ("sendonly", "inactive")

    # -- public API ------------------------------------------------------------------

    async def next_digit(self, timeout: float) -> str | None:
        """The next digit ("0".."9", "*", "#"), or None on timeout or when the call ends."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._digits:
            if self.ended.is_set():
                return None
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            self._digit_event.clear()
            try:
                await asyncio.wait_for(self._digit_event.wait(), remaining)
            except TimeoutError:
                return None
        return self._digits.popleft()

    def clear_digits(self) -> None:
        self._digits.clear()

    def add_digit(self, digit: str) -> None:
        """A digit from RFC 4733 or SIP INFO (the oldest is dropped when 64 wait)."""
        if len(self._digits) >= MAX_QUEUED_DIGITS:
            self._digits.popleft()
        self._digits.append(digit)
        self.stats.digits += 1
        self._digit_event.set()

    async def play(self, pcm: bytes, *, interruptible: bool = True) -> None:
        """16-bit mono 8 kHz PCM to the caller in 20 ms frames, in the call's codec.

        While it plays, the room's audio from Janus is not passed on. With
        ``interruptible`` it stops as soon as a digit is waiting (digits typed before
        the prompt count too: type-ahead). Opus calls cannot be played to
        (``NotImplementedError``: no Opus encoder here; PCMA is preferred when offered).
        """
        if self.codec == "opus":
            raise NotImplementedError("prompts to an Opus call need an Opus encoder")
        if self.ended.is_set() or not pcm:
            return
        data = g711.encode(pcm[: len(pcm) - len(pcm) % 2], self.codec)
        silence = bytes([g711.SILENCE[self.codec]])
        loop = asyncio.get_running_loop()
        source = object()
        start = loop.time()
        self._playing += 1
        try:
            for index in range(0, len(data), rtp.FRAME):
                if self.ended.is_set() or (interruptible and self._digits):
                    return
                frame = data[index : index + rtp.FRAME].ljust(rtp.FRAME, silence)
                self._send_to_caller(frame, source=source, source_ts=None)
                due = start + (index // rtp.FRAME + 1) * 0.02
                await asyncio.sleep(max(0.0, due - loop.time()))
        finally:
            self._playing -= 1

    def janus_leg(self) -> tuple[str, int]:
        """The local address of the socket that exchanges RTP with Janus (declare it
        as ``rtp: {ip, port}`` in the AudioBridge join)."""
        if self._janus_ep is None:
            raise RuntimeError("the call has no media sockets")
        return self._janus_ep.address

    def bridge_to(self, janus_ip: str, janus_port: int) -> None:
        """Relay the caller's audio to Janus (20 ms, telephone-events stripped) and
        Janus's (only from that address) to the caller."""
        self._janus_addr = (janus_ip, janus_port)

    def unbridge(self) -> None:
        self._janus_addr = None

    @property
    def bridged(self) -> bool:
        return self._janus_addr is not None

    async def hangup(self, reason: str = "hangup") -> None:
        """Send BYE (bounded) and end the call."""
        if not self.ended.is_set():
            await self._hangup_hook(self, reason)

    # -- RTP -------------------------------------------------------------------------

    def _send_to_caller(
        self, payload: bytes, *, source: object, source_ts: int | None
    ) -> None:
        if self._caller_ep is None or self._to_caller is None or self.on_hold:
            return
        target = self._caller_addr or self.remote_rtp
        if not target[1]:
            return
        packet = self._to_caller.next(
            payload,
            samples=SAMPLES_PER_FRAME[self.codec],
            source=source,
            source_ts=source_ts,
        )
        self._caller_ep.send(packet, target)
        self.stats.packets_out += 1
        self.stats.bytes_out += len(packet)

    def caller_packet(self, data: bytes, addr: tuple[str, int]) -> None:
        """RTP from the caller's side."""
        if addr[0] not in (self.remote_rtp[0], self.source[0]):
            self.stats.dropped_foreign += 1
            return
        try:
            packet = rtp.parse(data)
        except rtp.RtpError:
            self.stats.dropped_wrong_payload += 1
            return
        self._caller_addr = addr  # symmetric RTP: answer where it comes from
        stats = self.stats
        stats.packets_in += 1
        stats.bytes_in += len(data)
        stats.last_rtp_monotonic = time.monotonic()
        stats.last_rtp_at = dt.datetime.now(dt.UTC)
        if (
            self.telephone_event is not None
            and packet.payload_type == self.telephone_event
        ):
            digit = self._decoder.feed(packet.ssrc, packet.timestamp, packet.payload)
            if digit:
                self.add_digit(digit)
            return
        if packet.payload_type != self.payload_type:
            stats.dropped_wrong_payload += 1
            return
        if self._repacketiser is None:  # Opus: passed through as it is
            if len(packet.payload) == 0:
                return
            self._send_to_janus(packet.payload, packet.timestamp, 960)
            return
        frames = self._repacketiser.push(packet)
        if frames is None:
            stats.dropped_wrong_size += 1
            return
        if len(packet.payload) != rtp.FRAME:
            stats.repacketised_frames += len(frames)
        for timestamp, frame in frames:
            self._send_to_janus(frame, timestamp, rtp.FRAME)

    def _send_to_janus(self, payload: bytes, timestamp: int, samples: int) -> None:
        if self._janus_addr is None or self._janus_ep is None or self._to_janus is None:
            return
        packet = self._to_janus.next(
            payload, samples=samples, source=self, source_ts=timestamp
        )
        self._janus_ep.send(packet, self._janus_addr)
        self.stats.packets_to_janus += 1

    def janus_packet(self, data: bytes, addr: tuple[str, int]) -> None:
        """RTP from Janus: only from the bridged address, and not during a prompt."""
        if self._janus_addr is None or addr != self._janus_addr:
            self.stats.dropped_foreign += 1
            return
        try:
            packet = rtp.parse(data)
        except rtp.RtpError:
            return
        self.stats.packets_from_janus += 1
        if self._playing or not packet.payload:
            return
        self._send_to_caller(
            packet.payload, source=self._janus_addr, source_ts=packet.timestamp
        )
