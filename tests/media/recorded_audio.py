"""Loudness of a recording over time, decoded with PyAV (no numpy).

``loudness(path)`` decodes an audio file (``.opus`` from ``janus-pp-rec``, ``.wav``…)
into mono 48 kHz and returns the RMS of each window, placed by the decoded frames'
timestamps (seconds from the file's start), so a gap in the file stays a gap.
RMS is relative to full scale: a sine of amplitude 0.3 gives about 0.21.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class Window:
    start: float  # seconds from the file's start
    end: float
    rms: float


def loudness(path: Path, *, window: float = 0.25) -> list[Window]:
    """RMS per ``window`` seconds, for the windows that hold decoded audio."""
    sums: dict[int, tuple[float, int]] = {}
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            if frame.pts is None or frame.time_base is None:
                continue
            start = float(frame.pts * frame.time_base)
            for out in resampler.resample(frame):
                samples = array("h")
                samples.frombytes(bytes(out.planes[0])[: 2 * out.samples])
                # Frames are 20 ms: place each whole frame in the window of its start.
                key = math.floor(max(start, 0.0) / window)
                total, count = sums.get(key, (0.0, 0))
                sums[key] = (
                    total + sum(float(s) * s for s in samples),
                    count + len(samples),
                )
                start += out.samples / 48000
    return [
        Window(key * window, (key + 1) * window, math.sqrt(total / count) / 32768)
        for key, (total, count) in sorted(sums.items())
        if count
    ]


def duration(path: Path) -> float:
    """Seconds of decoded audio (the end of the last frame)."""
    end = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            if frame.pts is None or frame.time_base is None:
                continue
            end = max(
                end,
                float(frame.pts * frame.time_base) + frame.samples / frame.sample_rate,
            )
    return end


@dataclass(frozen=True)
class MjrPackets:
    packets: int
    missing: int  # holes in the RTP sequence numbers


def mjr_packets(path: Path) -> MjrPackets:
    """Count the RTP packets of a Janus ``.mjr`` and the holes in their sequence.

    Layout (MJR00002): ``MJR00002``, a 2-byte length and the JSON header; then per
    packet ``MEET``, a 4-byte time offset, a 2-byte length and the RTP packet.
    """
    data = path.read_bytes()
    if not data.startswith(b"MJR0000"):
        raise ValueError(f"{path.name} is not a .mjr recording")
    offset = 10 + int.from_bytes(data[8:10], "big")
    packets = missing = 0
    previous: int | None = None
    while offset + 10 <= len(data) and data[offset : offset + 4] == b"MEET":
        length = int.from_bytes(data[offset + 8 : offset + 10], "big")
        packet = data[offset + 10 : offset + 10 + length]
        offset += 10 + length
        if len(packet) < 12:
            break  # cut short by a crash
        sequence = int.from_bytes(packet[2:4], "big")
        if previous is not None:
            step = (sequence - previous) % 65536
            if 1 < step < 32768:
                missing += step - 1
        if previous is None or 0 < (sequence - previous) % 65536 < 32768:
            previous = sequence
        packets += 1
    return MjrPackets(packets, missing)
