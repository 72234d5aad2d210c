"""Test audio for SIP callers: signals, G.711 and envelope correlation (no numpy).

All PCM here is 8000 Hz, 16-bit signed little-endian, mono (``bytes``), the rate of
G.711 telephony.

* Signals: :func:`speech` (espeak-ng, ``-v th`` or ``en``, resampled by sox, cached
  by the hash of its text), :func:`tone_pattern` (a tone switched on and off in
  100 ms slots by a seeded pseudo-random pattern: two seeds give envelopes that do
  not correlate, which makes "who did this caller hear" unambiguous), :func:`silence`.
* G.711: :func:`alaw_encode` / :func:`alaw_decode`, :func:`ulaw_encode` /
  :func:`ulaw_decode` from the ITU-T G.711 segment rules, as 64 KiB / 256-entry
  tables built here (``audioop`` is deprecated and gone in Python 3.13).
* Correlation as the media tests do it: :func:`envelope` (RMS per 20 ms window) and
  :func:`correlate` (Pearson correlation of two envelopes, maximised over a lag of up
  to ``max_lag`` seconds, since what a caller hears arrives late by an unknown delay).
"""

from __future__ import annotations

import hashlib
import math
import random
import shutil
import subprocess
import tempfile
import wave
from array import array
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RATE = 8000
SAMPLE_BYTES = 2
_SEG_END_A = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
_SEG_END_U = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_U_BIAS = 0x84
_U_CLIP = 8159
#: The A-law and µ-law code of digital silence (a zero sample).
ALAW_SILENCE = 0xD5
ULAW_SILENCE = 0xFF


class ToolMissingError(RuntimeError):
    """espeak-ng or sox is not installed (scripts/system-deps.sh test installs them)."""


# -- PCM helpers -------------------------------------------------------------------


def samples(pcm: bytes) -> array[int]:
    """The samples of 16-bit little-endian PCM."""
    out = array("h")
    out.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    return out


def pcm_bytes(values: array[int] | list[int]) -> bytes:
    return array("h", values).tobytes()


def seconds_of(pcm: bytes) -> float:
    return len(pcm) / (RATE * SAMPLE_BYTES)


def silence(seconds: float) -> bytes:
    return bytes(2 * round(seconds * RATE))


def write_wav(path: Path, pcm: bytes, *, rate: int = RATE) -> Path:
    """A mono 16-bit WAV (to keep what a caller heard as a test artifact)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


def read_wav(path: Path) -> tuple[bytes, int]:
    """(PCM, rate) of a mono 16-bit WAV."""
    with wave.open(str(path), "rb") as f:
        if f.getnchannels() != 1 or f.getsampwidth() != 2:
            raise ValueError(f"{path.name}: not mono 16-bit")
        return f.readframes(f.getnframes()), f.getframerate()


# -- signals -----------------------------------------------------------------------


def tone_pattern(
    seed: int,
    seconds: float,
    *,
    frequency: float | None = None,
    slot: float = 0.1,
    amplitude: float = 0.3,
) -> bytes:
    """A tone on or off per ``slot`` seconds by a pattern drawn from ``seed``.

    The frequency (300-1500 Hz) is drawn from the seed too unless given. Each slot's
    edges are ramped over 5 ms so that G.711 and mixers see no clicks.
    """
    rng = random.Random(seed)
    freq = frequency if frequency is not None else rng.uniform(300.0, 1500.0)
    slot_samples = max(1, round(slot * RATE))
    slots = max(1, math.ceil(seconds * RATE / slot_samples))
    pattern = [rng.random() < 0.5 for _ in range(slots)]
    pattern[0] = True  # never start with a silent stretch
    ramp = min(40, slot_samples // 2)
    peak = amplitude * 32767
    out = array("h")
    total = round(seconds * RATE)
    for n in range(total):
        index, offset = divmod(n, slot_samples)
        if not pattern[index]:
            out.append(0)
            continue
        gain = min(1.0, offset / ramp, (slot_samples - 1 - offset) / ramp)
        out.append(round(peak * gain * math.sin(2 * math.pi * freq * n / RATE)))
    return out.tobytes()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(
            f"{name} is not installed (apt-get install {name}; "
            "scripts/system-deps.sh test installs it)"
        )
    return path


def speech(
    text: str,
    *,
    lang: str = "en",
    speed: int = 150,
    cache_dir: Path | None = None,
) -> bytes:
    """``text`` spoken by espeak-ng (``-v lang``), as 8 kHz PCM (sox resamples).

    Cached in ``cache_dir`` (default: a folder in the system's temp directory) by the
    hash of voice, speed and text: espeak-ng and sox are run once per utterance.
    """
    espeak, sox = _tool("espeak-ng"), _tool("sox")
    key = hashlib.sha256(f"{lang}\0{speed}\0{text}".encode()).hexdigest()[:24]
    folder = cache_dir or Path(tempfile.gettempdir()) / "prachum-sip-speech"
    folder.mkdir(parents=True, exist_ok=True)
    cached = folder / f"{key}.raw"
    if cached.exists():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        spoken = Path(scratch) / "spoken.wav"
        raw = Path(scratch) / "out.raw"
        subprocess.run(
            [espeak, "-v", lang, "-s", str(speed), "-w", str(spoken), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            [
                sox,
                str(spoken),
                "-r",
                str(RATE),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                "-t",
                "raw",
                str(raw),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        pcm = raw.read_bytes()
        raw.replace(cached)
    if not any(samples(pcm)):
        raise RuntimeError(f"espeak-ng -v {lang} produced silence for {text!r}")
    return pcm


# -- G.711 -------------------------------------------------------------------------


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for index, end in enumerate(ends):
        if value <= end:
            return index
    return len(ends)


def _linear_to_alaw(sample: int) -> int:
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        value = -value - 1
    seg = _segment(value, _SEG_END_A)
    if seg >= 8:
        return 0x7F ^ mask
    code = seg << 4
    code |= (value >> 1) & 0xF if seg < 2 else (value >> seg) & 0xF
    return code ^ mask


def _alaw_to_linear(code: int) -> int:
    code ^= 0x55
    value = (code & 0xF) << 4
    seg = (code & 0x70) >> 4
    if seg == 0:
        value += 8
    else:
        value = (value + 0x108) << (seg - 1)
    return value if code & 0x80 else -value


def _linear_to_ulaw(sample: int) -> int:
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, _U_CLIP) + (_U_BIAS >> 2)
    seg = _segment(value, _SEG_END_U)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((value >> (seg + 1)) & 0xF)) ^ mask


def _ulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    value = (((code & 0xF) << 3) + _U_BIAS) << ((code & 0x70) >> 4)
    return _U_BIAS - value if code & 0x80 else value - _U_BIAS


@cache
def _encode_table(law: str) -> bytes:
    convert = _linear_to_alaw if law == "pcma" else _linear_to_ulaw
    # Index by the sample's 16 bits as unsigned: 0..32767 then -32768..-1.
    return bytes(convert(n if n < 32768 else n - 65536) for n in range(65536))


@cache
def _decode_table(law: str) -> array[int]:
    convert = _alaw_to_linear if law == "pcma" else _ulaw_to_linear
    return array("h", (convert(code) for code in range(256)))


def _encode(pcm: bytes, law: str) -> bytes:
    table = _encode_table(law)
    unsigned = array("H")
    unsigned.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    return bytes(table[s] for s in unsigned)


def _decode(data: bytes, law: str) -> bytes:
    table = _decode_table(law)
    return array("h", (table[code] for code in data)).tobytes()


def alaw_encode(pcm: bytes) -> bytes:
    return _encode(pcm, "pcma")


def alaw_decode(data: bytes) -> bytes:
    return _decode(data, "pcma")


def ulaw_encode(pcm: bytes) -> bytes:
    return _encode(pcm, "pcmu")


def ulaw_decode(data: bytes) -> bytes:
    return _decode(data, "pcmu")


def encode(pcm: bytes, codec: str) -> bytes:
    """``codec`` is ``"pcma"`` or ``"pcmu"``."""
    if codec not in ("pcma", "pcmu"):
        raise ValueError(f"no G.711 codec {codec!r}")
    return _encode(pcm, codec)


def decode(data: bytes, codec: str) -> bytes:
    if codec not in ("pcma", "pcmu"):
        raise ValueError(f"no G.711 codec {codec!r}")
    return _decode(data, codec)


# -- envelopes and correlation ------------------------------------------------------


def envelope(pcm: bytes, *, window: float = 0.02) -> list[float]:
    """RMS per ``window`` seconds, relative to full scale."""
    values = samples(pcm)
    size = max(1, round(window * RATE))
    out = []
    for start in range(0, len(values) - size + 1, size):
        chunk = values[start : start + size]
        out.append(math.sqrt(sum(float(s) * s for s in chunk) / size) / 32768)
    return out


def rms(pcm: bytes) -> float:
    values = samples(pcm)
    if not values:
        return 0.0
    return math.sqrt(sum(float(s) * s for s in values) / len(values)) / 32768


def _pearson(a: list[float], b: list[float]) -> float:
    n = len(a)
    if n < 2:
        return 0.0
    mean_a, mean_b = sum(a) / n, sum(b) / n
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    if var_a <= 0 or var_b <= 0:
        return 0.0
    return cov / math.sqrt(var_a * var_b)


@dataclass(frozen=True)
class Correlation:
    value: float  # Pearson correlation of the envelopes at the best lag (-1..1)
    lag: float  # seconds by which ``heard`` lags ``source`` at that lag


def correlate(
    heard: bytes,
    source: bytes,
    *,
    max_lag: float = 3.0,
    window: float = 0.02,
    min_overlap: float | None = None,
) -> Correlation:
    """How well ``heard`` follows ``source``: envelope correlation at the best lag.

    ``heard`` may start earlier or later than ``source`` by up to ``max_lag``
    seconds; the overlap at a lag must cover at least ``min_overlap`` seconds
    (default: 80 % of the shorter signal, so that a short overlap at some far lag
    cannot match by chance). Silence against anything is 0.
    """
    a, b = envelope(heard, window=window), envelope(source, window=window)
    steps = round(max_lag / window)
    if min_overlap is None:
        need = max(2, round(0.8 * min(len(a), len(b))))
    else:
        need = max(2, round(min_overlap / window))
    best = Correlation(0.0, 0.0)
    for lag in range(-steps, steps + 1):
        # heard[i + lag] against source[i]
        start = max(0, -lag)
        end = min(len(b), len(a) - lag)
        if end - start < need:
            continue
        value = _pearson(a[start + lag : end + lag], b[start:end])
        if value > best.value:
            best = Correlation(value, lag * window)
    return best
