"""G.711 A-law and µ-law from and to 16-bit linear PCM (ITU-T G.711, tables built once).

The conversions follow the classic Sun reference code (``g711.c``); ``audioop`` is
deprecated and gone in Python 3.13.
"""

from __future__ import annotations

import sys
from array import array

_ALAW_SEG_END = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
_ULAW_SEG_END = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159

#: The encoded byte of silence in each law (what a gap is filled with).
SILENCE = {"pcma": 0xD5, "pcmu": 0xFF}


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for index, end in enumerate(ends):
        if value <= end:
            return index
    return len(ends)


def alaw_from_linear(sample: int) -> int:
    """One 16-bit signed sample to its A-law byte."""
    pcm = sample >> 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = _segment(pcm, _ALAW_SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1) & 0x0F if seg < 2 else (pcm >> seg) & 0x0F
    return aval ^ mask


def linear_from_alaw(value: int) -> int:
    """One A-law byte to its 16-bit signed sample."""
    value ^= 0x55
    t = (value & 0x0F) << 4
    seg = (value & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if value & 0x80 else -t


def ulaw_from_linear(sample: int) -> int:
    """One 16-bit signed sample to its µ-law byte."""
    pcm = sample >> 2
    if pcm < 0:
        pcm = -pcm
        mask = 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    seg = _segment(pcm, _ULAW_SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


def linear_from_ulaw(value: int) -> int:
    """One µ-law byte to its 16-bit signed sample."""
    value = ~value & 0xFF
    t = ((value & 0x0F) << 3) + _ULAW_BIAS
    t <<= (value & 0x70) >> 4
    return _ULAW_BIAS - t if value & 0x80 else t - _ULAW_BIAS


def _signed(index: int) -> int:
    return index - 0x10000 if index & 0x8000 else index


_ENCODE = {
    "pcma": bytes(alaw_from_linear(_signed(i)) for i in range(0x10000)),
    "pcmu": bytes(ulaw_from_linear(_signed(i)) for i in range(0x10000)),
}
_DECODE = {
    "pcma": array("h", (linear_from_alaw(i) for i in range(256))),
    "pcmu": array("h", (linear_from_ulaw(i) for i in range(256))),
}


def _samples(pcm: bytes) -> array[int]:
    if len(pcm) % 2:
        raise ValueError("16-bit PCM must have an even number of bytes")
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def encode(pcm: bytes, codec: str) -> bytes:
    """16-bit little-endian mono PCM to G.711 bytes (``codec`` "pcma" or "pcmu")."""
    table = _ENCODE[codec]
    return bytes(table[s & 0xFFFF] for s in _samples(pcm))


def decode(data: bytes, codec: str) -> bytes:
    """G.711 bytes to 16-bit little-endian mono PCM."""
    table = _DECODE[codec]
    samples = array("h", (table[b] for b in data))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()
