"""RTP packets and the 30 ms -> 20 ms G.711 repacketiser (guide §1.4)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prachum.sipgw import rtp


def packet(seq: int, timestamp: int, payload: bytes, ssrc: int = 5) -> rtp.RtpPacket:
    return rtp.RtpPacket(8, seq, timestamp, ssrc, payload)


def test_a_packet_round_trips() -> None:
    original = rtp.RtpPacket(
        101, 65535, 2**32 - 1, 0xDEADBEEF, b"\x01\x8a\x03\x20", marker=True
    )
    assert rtp.parse(original.to_bytes()) == original


def test_csrcs_extension_and_padding_are_taken_off_the_payload() -> None:
    header = (
        bytes([0xB1, 8])
        + (1).to_bytes(2, "big")
        + (2).to_bytes(4, "big")
        + (3).to_bytes(4, "big")
    )
    csrc = (9).to_bytes(4, "big")
    extension = b"\xbe\xde\x00\x01" + b"\x10\xff\x00\x00"
    data = header + csrc + extension + b"AUDIO" + b"\x00\x00\x03"
    assert rtp.parse(data).payload == b"AUDIO"


@pytest.mark.parametrize(
    "data", [b"", b"\x80" * 11, b"\x40" + b"\x00" * 20, b"\x90\x08" + b"\x00" * 12]
)
def test_garbage_is_an_rtp_error(data: bytes) -> None:
    with pytest.raises(rtp.RtpError):
        rtp.parse(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_a_packet_or_an_rtp_error(data: bytes) -> None:
    try:
        rtp.parse(data)
    except rtp.RtpError:
        return


def test_30ms_packets_become_20ms_frames_with_continuous_timestamps() -> None:
    source = bytes(range(256)) * 6  # 1536 bytes of "audio"
    audio = source[: 240 * 6]
    repacketiser = rtp.Repacketiser("pcma")
    frames = []
    for index in range(6):
        out = repacketiser.push(
            packet(
                100 + index, 8000 + 240 * index, audio[240 * index : 240 * (index + 1)]
            )
        )
        assert out is not None
        frames.extend(out)
    assert [len(f) for _, f in frames] == [160] * 9
    assert [ts for ts, _ in frames] == [8000 + 160 * i for i in range(9)]
    assert b"".join(f for _, f in frames) == audio


def test_a_lost_packet_flushes_the_leftover_padded_with_silence() -> None:
    repacketiser = rtp.Repacketiser("pcma")
    first = repacketiser.push(packet(1, 0, b"\x01" * 240))
    assert first == [(0, b"\x01" * 160)]
    after_gap = repacketiser.push(packet(3, 480, b"\x02" * 240))
    assert after_gap == [(160, b"\x01" * 80 + b"\xd5" * 80), (480, b"\x02" * 160)]


def test_10_20_and_40ms_are_taken_and_odd_sizes_are_refused() -> None:
    repacketiser = rtp.Repacketiser("pcmu")
    assert repacketiser.push(packet(1, 0, b"\x00" * 80)) == []
    assert repacketiser.push(packet(2, 80, b"\x00" * 80)) == [(0, b"\x00" * 160)]
    assert repacketiser.push(packet(3, 160, b"\x00" * 320)) == [
        (160, b"\x00" * 160),
        (320, b"\x00" * 160),
    ]
    for size in (0, 100, 159, 161, 2000):
        assert repacketiser.push(packet(4, 480, b"\x00" * size)) is None


def test_the_out_stream_has_its_own_ssrc_and_continuous_numbers_across_sources() -> (
    None
):
    stream = rtp.OutStream(8, 8000)
    prompt, room = object(), object()
    packets = [
        rtp.parse(stream.next(b"p" * 160, samples=160, source=prompt)) for _ in range(3)
    ]
    packets += [
        rtp.parse(stream.next(b"r" * 160, samples=160, source=room, source_ts=ts))
        for ts in (5000, 5160, 5480)
    ]
    assert len({p.ssrc for p in packets}) == 1
    assert all((b.seq - a.seq) & 0xFFFF == 1 for a, b in itertools.pairwise(packets))
    steps = [
        (b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(packets)
    ]
    assert steps[:2] == [160, 160]
    assert steps[2] >= 160  # a new source: at least one frame on
    assert steps[3:] == [160, 320]  # the room's own timestamp distances
    assert [p.marker for p in packets] == [True, False, False, True, False, False]
