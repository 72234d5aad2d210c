"""DTMF: RFC 4733 events counted once; SIP INFO bodies."""

from __future__ import annotations

import pytest

from prachum.sipgw.dtmf import EventDecoder, build_event, digits_from_info
from tests.sipgw.sipp import SIPP_PCAPS, read_pcap_rtp, require_sipp


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def feed_event(
    decoder: EventDecoder, clock: Clock, event: int, timestamp: int
) -> list[str]:
    """One key press as a phone sends it: 4 updates, then the end packet three times."""
    out = []
    for step in range(4):
        out.append(
            decoder.feed(
                7, timestamp, build_event(event, end=False, duration=160 * step)
            )
        )
        clock.now += 0.02
    for _ in range(3):
        out.append(
            decoder.feed(7, timestamp, build_event(event, end=True, duration=800))
        )
    return [d for d in out if d]


def test_a_key_press_is_one_digit_despite_three_end_packets() -> None:
    clock = Clock()
    decoder = EventDecoder(clock)
    assert feed_event(decoder, clock, 5, 1000) == ["5"]
    assert feed_event(decoder, clock, 11, 2000) == ["#"]
    assert feed_event(decoder, clock, 10, 3000) == ["*"]


def test_the_same_digit_twice_is_two_presses_with_their_own_timestamps() -> None:
    clock = Clock()
    decoder = EventDecoder(clock)
    assert feed_event(decoder, clock, 1, 1000) + feed_event(
        decoder, clock, 1, 1800
    ) == ["1", "1"]


def test_a_late_retransmitted_end_packet_is_not_a_new_digit() -> None:
    clock = Clock()
    decoder = EventDecoder(clock)
    feed_event(decoder, clock, 3, 1000)
    clock.now += 0.5
    assert decoder.feed(7, 1000, build_event(3, end=True, duration=800)) is None


def test_an_event_whose_end_packets_were_lost_counts_when_the_next_starts() -> None:
    clock = Clock()
    decoder = EventDecoder(clock)
    assert decoder.feed(7, 1000, build_event(4, end=False, duration=160)) is None
    assert decoder.feed(7, 1000, build_event(4, end=False, duration=320)) is None
    assert decoder.feed(7, 2000, build_event(2, end=False, duration=160)) == "4"
    assert decoder.feed(7, 2000, build_event(2, end=True, duration=800)) == "2"


def test_non_digit_events_and_short_payloads_are_ignored() -> None:
    decoder = EventDecoder()
    assert decoder.feed(1, 1, build_event(16, end=True, duration=100)) is None  # flash
    assert decoder.feed(1, 1, b"\x01") is None


@pytest.mark.parametrize(
    ("name", "digit"), [("1", "1"), ("9", "9"), ("star", "*"), ("pound", "#")]
)
def test_sipp_shipped_pcaps_give_their_digit_once(name: str, digit: str) -> None:
    require_sipp()
    path = SIPP_PCAPS / f"dtmf_2833_{name}.pcap"
    decoder = EventDecoder()
    digits = []
    for packet in read_pcap_rtp(path):
        ssrc = int.from_bytes(packet[8:12], "big")
        timestamp = int.from_bytes(packet[4:8], "big")
        found = decoder.feed(ssrc, timestamp, packet[12:])
        if found:
            digits.append(found)
    assert digits == [digit]


@pytest.mark.parametrize(
    ("content_type", "body", "digits"),
    [
        ("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", b"Signal= #\r\nDuration=160", "#"),
        ("Application/DTMF-Relay; charset=x", b"signal=*", "*"),
        ("application/dtmf-relay", b"Signal=10", "*"),
        ("application/dtmf-relay", b"Signal=11", "#"),
        ("application/dtmf", b"7", "7"),
        ("application/dtmf", b"A", ""),
        ("application/dtmf-relay", b"Duration=160", ""),
        ("text/plain", b"Signal=5", ""),
        ("application/dtmf", b"\xff", ""),
    ],
)
def test_sip_info_bodies(content_type: str, body: bytes, digits: str) -> None:
    assert digits_from_info(content_type, body) == digits
