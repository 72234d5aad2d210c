"""RTP packets (RFC 3550), G.711 repacketising to 20 ms, and one outgoing stream.

Janus AudioBridge mixes G.711 only in 160-byte (20 ms) packets and silently drops the
rest from the mix while still recording them (guide §1.4): :class:`Repacketiser`
turns any multiple of 10 ms into 20 ms packets with consistent sequence numbers and
timestamps, and counts what it cannot use.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from prachum.sipgw.g711 import SILENCE

FRAME = 160  # G.711 bytes (= samples) in 20 ms at 8000 Hz
MAX_RTP = 1500
MAX_G711_PAYLOAD = 1600  # 200 ms


class RtpError(ValueError):
    """Not an RTP packet."""


@dataclass
class RtpPacket:
    payload_type: int
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def to_bytes(self) -> bytes:
        return (
            bytes([0x80, (0x80 if self.marker else 0) | (self.payload_type & 0x7F)])
            + (self.seq & 0xFFFF).to_bytes(2, "big")
            + (self.timestamp & 0xFFFFFFFF).to_bytes(4, "big")
            + (self.ssrc & 0xFFFFFFFF).to_bytes(4, "big")
            + self.payload
        )


def parse(data: bytes) -> RtpPacket:
    """An RTP packet (CSRCs, extension and padding removed from the payload)."""
    if len(data) < 12 or data[0] >> 6 != 2:
        raise RtpError("not RTP version 2")
    offset = 12 + 4 * (data[0] & 0x0F)
    if data[0] & 0x10:
        if len(data) < offset + 4:
            raise RtpError("truncated extension")
        offset += 4 + 4 * int.from_bytes(data[offset + 2 : offset + 4], "big")
    end = len(data)
    if data[0] & 0x20:
        end -= data[-1]
    if offset > end:
        raise RtpError("truncated packet")
    return RtpPacket(
        payload_type=data[1] & 0x7F,
        seq=int.from_bytes(data[2:4], "big"),
        timestamp=int.from_bytes(data[4:8], "big"),
        ssrc=int.from_bytes(data[8:12], "big"),
        payload=bytes(data[offset:end]),
        marker=bool(data[1] & 0x80),
    )


class Repacketiser:
    """G.711 of any multiple of 10 ms in, 160-byte frames out.

    Output frames carry the timestamp of their first sample (the input's clock); a
    gap in the input (a lost packet) flushes the leftover padded with silence. A size
    that is not a multiple of 80 bytes is refused (``push`` returns None).
    """

    def __init__(self, codec: str) -> None:
        self._silence = bytes([SILENCE.get(codec, 0xD5)])
        self._buffer = b""
        self._buffer_ts = 0
        self._ssrc: int | None = None

    def push(self, packet: RtpPacket) -> list[tuple[int, bytes]] | None:
        size = len(packet.payload)
        if size == 0 or size % (FRAME // 2) or size > MAX_G711_PAYLOAD:
            return None
        out: list[tuple[int, bytes]] = []
        expected = (self._buffer_ts + len(self._buffer)) & 0xFFFFFFFF
        if self._buffer and (packet.ssrc != self._ssrc or packet.timestamp != expected):
            out.append((self._buffer_ts, self._buffer.ljust(FRAME, self._silence)))
            self._buffer = b""
        if not self._buffer:
            self._buffer_ts = packet.timestamp
        self._ssrc = packet.ssrc
        self._buffer += packet.payload
        while len(self._buffer) >= FRAME:
            out.append((self._buffer_ts, self._buffer[:FRAME]))
            self._buffer = self._buffer[FRAME:]
            self._buffer_ts = (self._buffer_ts + FRAME) & 0xFFFFFFFF
        return out


class OutStream:
    """One RTP stream we send (own SSRC, continuous sequence numbers and timestamps)
    fed from several sources in turn (a prompt, then the relayed room audio)."""

    def __init__(self, payload_type: int, clock_rate: int) -> None:
        self.payload_type = payload_type
        self.clock_rate = clock_rate
        self.ssrc = secrets.randbits(32)
        self.seq = secrets.randbits(16)
        self.timestamp = secrets.randbits(32)
        self._source: object = None
        self._source_ts: int | None = None
        self._last_sent = 0.0
        self._first = True

    def next(
        self,
        payload: bytes,
        *,
        samples: int,
        source: object,
        source_ts: int | None = None,
    ) -> bytes:
        """The next packet of the stream, ``samples`` after the previous one (or the
        source's own timestamp distance, or the wall-clock gap after a pause)."""
        now = time.monotonic()
        marker = self._first or source is not self._source
        if self._first:
            step = 0
        elif not marker and source_ts is not None and self._source_ts is not None:
            delta = (source_ts - self._source_ts) & 0xFFFFFFFF
            step = delta if 0 < delta < self.clock_rate * 5 else samples
        else:
            gap = int((now - self._last_sent) * self.clock_rate)
            step = max(samples, gap if gap < self.clock_rate * 60 else samples)
        self.timestamp = (self.timestamp + step) & 0xFFFFFFFF
        self.seq = (self.seq + (0 if self._first else 1)) & 0xFFFF
        self._first = False
        self._source = source
        self._source_ts = source_ts
        self._last_sent = now
        return RtpPacket(
            self.payload_type, self.seq, self.timestamp, self.ssrc, payload, marker
        ).to_bytes()


class UdpEndpoint(asyncio.DatagramProtocol):
    """A bound UDP socket that hands every datagram to ``on_packet``."""

    def __init__(self, on_packet: Callable[[bytes, tuple[str, int]], None]) -> None:
        self._on_packet = on_packet
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) <= MAX_RTP:
            self._on_packet(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable: ignore
        return

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        name = self.transport.get_extra_info("sockname")
        return name[0], name[1]


class PortPool:
    """Even ports of a range, handed out in turn and given back when a call ends."""

    def __init__(self, first: int, last: int) -> None:
        self._free = list(range(first + first % 2, last + 1, 2))
        self._next = 0

    async def bind(
        self, host: str, on_packet: Callable[[bytes, tuple[str, int]], None]
    ) -> UdpEndpoint:
        """A socket on a free even port of the range; OSError if none is free."""
        loop = asyncio.get_running_loop()
        tries = len(self._free)
        for _ in range(tries):
            port = self._free[self._next % len(self._free)]
            self._next += 1
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((host, port))
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            _, protocol = await loop.create_datagram_endpoint(
                lambda: UdpEndpoint(on_packet), sock=sock
            )
            return protocol
        raise OSError(f"no free RTP port on {host}")


def close_quietly(endpoint: UdpEndpoint | None) -> None:
    if endpoint is not None:
        with contextlib.suppress(Exception):
            endpoint.close()
