"""A plain-RTP "caller" for AudioBridge tests: what a SIP phone's media does.

It sends G.711 A-law in 20 ms packets (160 bytes) of a known signal from one fixed
UDP socket, and decodes what comes back. Tones are told apart by the Goertzel
algorithm (:func:`tone_level`): robust to the mixer's level changes, no numpy.
Create it inside the test's network namespace (its socket lives where it is made).
"""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

RATE = 8000
FRAME = 160  # samples per 20 ms at 8 kHz


# -- G.711 A-law (ITU-T G.711), enough for tests ---------------------------------


def _alaw_encode_sample(sample: int) -> int:
    sample = max(-32768, min(32767, sample)) >> 3  # 13-bit
    sign = 0x80 if sample >= 0 else 0x00
    if sample < 0:
        sample = -sample - 1
    if sample < 32:
        value = sample >> 1
    else:
        exponent = sample.bit_length() - 5
        value = (exponent << 4) | ((sample >> exponent) & 0x0F)
    return (value | sign) ^ 0x55


def _alaw_decode_sample(byte: int) -> int:
    byte ^= 0x55
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    if exponent == 0:
        value = (mantissa << 4) + 8
    else:
        value = ((mantissa << 4) + 0x108) << (exponent - 1)
    return value if sign else -value


_ENCODE = [_alaw_encode_sample(s) for s in range(-32768, 32768)]
_DECODE = [_alaw_decode_sample(b) for b in range(256)]


def alaw_encode(samples: Iterable[int]) -> bytes:
    return bytes(_ENCODE[s + 32768] for s in samples)


def alaw_decode(payload: bytes) -> list[int]:
    return [_DECODE[b] for b in payload]


# -- signals ---------------------------------------------------------------------


def tone(frequency: float, seconds: float, *, amplitude: float = 0.3) -> list[int]:
    peak = 32767 * amplitude
    count = int(RATE * seconds)
    return [
        int(peak * math.sin(2 * math.pi * frequency * i / RATE)) for i in range(count)
    ]


def tone_level(samples: Sequence[float], frequency: float, rate: int = RATE) -> float:
    """Goertzel: the amplitude (0..1 of full scale) of ``frequency`` in ``samples``."""
    n = len(samples)
    if n == 0:
        return 0.0
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x / 32768 + coefficient * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return 2 * math.sqrt(max(power, 0.0)) / n


# -- the caller ------------------------------------------------------------------


@dataclass
class Received:
    at: float
    sequence: int
    payload_type: int
    samples: list[int]


@dataclass
class RtpCaller:
    """Sends ``signal`` (8 kHz samples, looped) as PCMA 20 ms RTP to Janus."""

    signal: list[int]
    host: str = "127.0.0.1"
    ssrc: int = 0x1234ABCD
    sock: socket.socket = field(init=False)
    received: list[Received] = field(default_factory=list)
    sent: int = 0
    silent: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.host, 0))
        self.sock.settimeout(0.2)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return str(host), int(port)

    def start(self, janus_ip: str, janus_port: int, *, seconds: float = 60.0) -> None:
        target = (janus_ip, janus_port)
        for fn, args in ((self._send, (target, seconds)), (self._receive, ())):
            thread = threading.Thread(target=fn, args=args, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _send(self, target: tuple[str, int], seconds: float) -> None:
        began = time.monotonic()
        frames = int(seconds / 0.02)
        silence = alaw_encode([0] * FRAME)
        for index in range(frames):
            if self._stop.is_set():
                return
            start = (index * FRAME) % max(1, len(self.signal) - FRAME + 1)
            chunk = self.signal[start : start + FRAME]
            payload = silence if self.silent else alaw_encode(chunk)
            header = struct.pack(
                "!BBHII",
                0x80,
                8 | (0x80 if index == 0 else 0),
                index & 0xFFFF,
                (index * FRAME) & 0xFFFFFFFF,
                self.ssrc,
            )
            try:
                self.sock.sendto(header + payload, target)
            except OSError:
                return
            self.sent += 1
            wait = began + (index + 1) * 0.02 - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) < 12:
                continue
            first = data[0]
            offset = 12 + 4 * (first & 0x0F)
            if first & 0x10 and len(data) >= offset + 4:  # header extension
                offset += 4 + 4 * int.from_bytes(data[offset + 2 : offset + 4], "big")
            payload_type = data[1] & 0x7F
            sequence = int.from_bytes(data[2:4], "big")
            samples = alaw_decode(data[offset:]) if payload_type == 8 else []
            with self._lock:
                self.received.append(
                    Received(time.monotonic(), sequence, payload_type, samples)
                )

    def heard(self, since: float, until: float | None = None) -> list[int]:
        """The samples received between two ``time.monotonic()`` instants."""
        with self._lock:
            packets = [
                r
                for r in self.received
                if r.at >= since and (until is None or r.at < until)
            ]
        return [s for r in packets for s in r.samples]

    def level(
        self, frequency: float, since: float, until: float | None = None
    ) -> float:
        return tone_level(self.heard(since, until), frequency)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.sock.close()
