"""G.711 against the ITU reference values (and audioop while Python still has it)."""

from __future__ import annotations

import struct
import warnings

import pytest

from prachum.sipgw import g711


def test_known_values() -> None:
    assert g711.alaw_from_linear(0) == 0xD5
    assert g711.ulaw_from_linear(0) == 0xFF
    assert g711.alaw_from_linear(32767) == 0xAA
    assert g711.alaw_from_linear(-32768) == 0x2A
    assert g711.ulaw_from_linear(32767) == 0x80
    assert g711.ulaw_from_linear(-32768) == 0x00
    assert g711.linear_from_alaw(0xD5) == 8
    assert g711.linear_from_ulaw(0xFF) == 0


@pytest.mark.parametrize("codec", ["pcma", "pcmu"])
def test_decode_then_encode_is_the_identity_on_every_byte(codec: str) -> None:
    every = bytes(range(256))
    again = g711.encode(g711.decode(every, codec), codec)
    if codec == "pcmu":  # 0x7F and 0xFF are both zero
        assert again.replace(b"\x7f", b"\xff") == every.replace(b"\x7f", b"\xff")
    else:
        assert again == every


@pytest.mark.parametrize("codec", ["pcma", "pcmu"])
def test_the_error_is_small_for_a_ramp(codec: str) -> None:
    samples = list(range(-32768, 32767, 97))
    pcm = struct.pack(f"<{len(samples)}h", *samples)
    back = struct.unpack(
        f"<{len(samples)}h", g711.decode(g711.encode(pcm, codec), codec)
    )
    for original, decoded in zip(samples, back, strict=True):
        assert abs(original - decoded) <= max(16, abs(original) // 16)


def test_matches_audioop_where_it_exists() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = struct.pack("<4000h", *((i * 37) % 65536 - 32768 for i in range(4000)))
    assert g711.encode(pcm, "pcma") == audioop.lin2alaw(pcm, 2)
    assert g711.encode(pcm, "pcmu") == audioop.lin2ulaw(pcm, 2)
    every = bytes(range(256))
    assert g711.decode(every, "pcma") == audioop.alaw2lin(every, 2)
    assert g711.decode(every, "pcmu") == audioop.ulaw2lin(every, 2)


def test_odd_pcm_is_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        g711.encode(b"\x00\x01\x02", "pcma")
