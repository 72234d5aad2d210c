"""DTMF digits from RFC 4733 telephone-events and SIP INFO bodies.

An RFC 4733 event is sent as several packets with one RTP timestamp, and its end
packet three times (RFC 4733 §2.5.1.4); a digit counts once, when its first end packet
arrives (or, if every end packet is lost, when the next event starts).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

EVENTS = "0123456789*#"
#: How long an ended event's key is remembered to drop its retransmitted end packets.
DUPLICATE_WINDOW = 2.0


@dataclass
class TelephoneEvent:
    event: int
    end: bool
    volume: int
    duration: int


def parse_event(payload: bytes) -> TelephoneEvent | None:
    """The 4-byte RFC 4733 payload; None if it is too short."""
    if len(payload) < 4:
        return None
    return TelephoneEvent(
        event=payload[0],
        end=bool(payload[1] & 0x80),
        volume=payload[1] & 0x3F,
        duration=int.from_bytes(payload[2:4], "big"),
    )


def build_event(event: int, *, end: bool, duration: int, volume: int = 10) -> bytes:
    return bytes([event, (0x80 if end else 0) | (volume & 0x3F)]) + duration.to_bytes(
        2, "big"
    )


class EventDecoder:
    """Feeds RTP telephone-event packets, yields each digit once."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._ended: dict[tuple[int, int, int], float] = {}
        self._open: tuple[int, int, int] | None = None

    def feed(self, ssrc: int, timestamp: int, payload: bytes) -> str | None:
        """The digit this packet completes, or None."""
        parsed = parse_event(payload)
        if parsed is None or parsed.event >= len(EVENTS):
            return None
        now = self._clock()  # type: ignore[operator]
        self._ended = {
            k: t for k, t in self._ended.items() if now - t < DUPLICATE_WINDOW
        }
        key = (ssrc, timestamp, parsed.event)
        if key in self._ended:
            self._ended[key] = now
            return None
        digit = None
        if self._open is not None and self._open != key:
            # The previous event's end packets were all lost: it still counts.
            digit = EVENTS[self._open[2]]
            self._ended[self._open] = now
            self._open = None
        if parsed.end:
            self._ended[key] = now
            self._open = None
            return digit or EVENTS[parsed.event]
        self._open = key
        return digit


def digits_from_info(content_type: str, body: bytes) -> str:
    """The digit(s) of a SIP INFO: ``application/dtmf-relay`` (``Signal=5``) or
    ``application/dtmf`` (the digit alone); "" for anything else."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("ascii").strip()
    except UnicodeDecodeError:
        return ""
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            name, _, value = line.partition("=")
            if name.strip().lower() == "signal":
                return _normalise(value.strip())
        return ""
    if kind == "application/dtmf":
        return _normalise(text)
    return ""


def _normalise(value: str) -> str:
    value = value.upper()
    if value in ("10", "*"):
        return "*"
    if value in ("11", "#"):
        return "#"
    return value if len(value) == 1 and value in EVENTS else ""
