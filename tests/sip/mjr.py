"""A caller's Janus recording (``.mjr``) back to PCM, to compare with what it said.

:func:`mjr_pcm` converts an ``.mjr`` with Janus's own ``janus-pp-rec`` (G.711 to
``.wav``, Opus to ``.opus``), as the recording pipeline does, and decodes the result
with PyAV to 8 kHz mono PCM (:func:`decode_file`), ready for
:func:`tests.sip.audio.correlate`. :func:`write_mjr` writes an ``.mjr`` (format
MJR00002: magic, a 2-byte length and a JSON header, then per packet ``MEET``, a
4-byte offset in ms, a 2-byte length and the RTP packet) from RTP packets: the
harness tests the conversion with it, and tests of post-processing can use it.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import av

from tests.sip import audio
from tests.sip.rtp import RtpPacket


def write_mjr(
    path: Path,
    packets: Iterable[RtpPacket],
    *,
    codec: str = "pcma",
    created_us: int | None = None,
) -> Path:
    """An audio ``.mjr`` of ``packets`` (each at its ``time`` after the first)."""
    created = created_us if created_us is not None else int(time.time() * 1e6)
    header = json.dumps({"t": "a", "c": codec, "s": created, "u": created}).encode()
    out = bytearray(b"MJR00002" + struct.pack("!H", len(header)) + header)
    start: float | None = None
    for packet in packets:
        start = packet.time if start is None else start
        data = packet.to_bytes()
        offset = round((packet.time - start) * 1000)
        out += b"MEET" + struct.pack("!IH", offset, len(data)) + data
    path.write_bytes(bytes(out))
    return path


def mjr_header(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    if not data.startswith(b"MJR0000"):
        raise ValueError(f"{path.name} is not a .mjr recording")
    length = struct.unpack("!H", data[8:10])[0]
    header: dict[str, object] = json.loads(data[10 : 10 + length])
    return header


def decode_file(path: Path, *, rate: int = audio.RATE) -> bytes:
    """Any audio file PyAV reads (.wav, .opus...), as mono 16-bit PCM at ``rate``."""
    out = bytearray()
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                out += bytes(converted.planes[0])[: 2 * converted.samples]
        for converted in resampler.resample(None):
            out += bytes(converted.planes[0])[: 2 * converted.samples]
    return bytes(out)


def mjr_pcm(mjr: Path, *, folder: Path | None = None) -> bytes:
    """The audio of ``mjr`` (``.mjr`` or ``.mjr.tmp``) as 8 kHz mono PCM."""
    tool = shutil.which("janus-pp-rec")
    if tool is None:
        raise RuntimeError(
            "janus-pp-rec is not installed (apt-get install janus-tools)"
        )
    codec = str(mjr_header(mjr).get("c", ""))
    suffix = ".opus" if codec == "opus" else ".wav"
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        target = Path(scratch) / f"converted{suffix}"
        result = subprocess.run(
            [tool, str(mjr), str(target)], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0 or not target.exists():
            raise RuntimeError(
                f"janus-pp-rec failed on {mjr.name} ({result.returncode}): "
                f"{result.stderr[-1000:] or result.stdout[-1000:]}"
            )
        return decode_file(target)
