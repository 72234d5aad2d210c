"""Voice prompts from text: espeak-ng (Thai by default), as 8 kHz 16-bit mono PCM.

``synthesize`` runs ``espeak-ng -v <lang> --stdout`` and converts its WAV with
``sox`` (or, without sox, with the ``wave`` module and a linear resampler), then keeps
the result in ``cache_dir`` under the SHA-256 of the voice, the speed and the text,
so each prompt is made once. The PCM is what :meth:`Call.play` takes.
"""

from __future__ import annotations

import array
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

RATE = 8000
TIMEOUT_SECONDS = 30
MAX_TEXT = 2000
#: Words per minute: a little slower than espeak-ng's 175 for a telephone line.
SPEED = 150


class SpeechUnavailableError(RuntimeError):
    """espeak-ng is not installed (or failed): no prompt can be made."""


def synthesize(text: str, *, lang: str = "th", cache_dir: Path) -> bytes:
    """16-bit little-endian mono PCM at 8000 Hz speaking ``text``."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise ValueError("a prompt is 1 to 2000 characters")
    key = hashlib.sha256(f"espeak-ng\0{lang}\0{SPEED}\0{text}".encode()).hexdigest()
    cached = Path(cache_dir) / f"{key}.pcm"
    if cached.exists():
        return cached.read_bytes()
    pcm = _speak(text, lang)
    cached.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pcm)
        os.replace(temporary, cached)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return pcm


def _speak(text: str, lang: str) -> bytes:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SpeechUnavailableError("espeak-ng is not installed")
    try:
        result = subprocess.run(
            [espeak, "-v", lang, "-s", str(SPEED), "--stdout", text],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise SpeechUnavailableError(f"espeak-ng failed: {exc}") from exc
    return to_pcm8k(result.stdout)


def to_pcm8k(wav: bytes) -> bytes:
    """A WAV file to 8 kHz mono 16-bit PCM (sox when installed)."""
    sox = shutil.which("sox")
    if sox is not None:
        try:
            return subprocess.run(
                [sox, "-t", "wav", "-", "-r", str(RATE), "-c", "1", "-b", "16",
                 "-e", "signed-integer", "-L", "-t", "raw", "-"],
                input=wav, capture_output=True, timeout=TIMEOUT_SECONDS, check=True,
            ).stdout  # fmt: skip
        except (subprocess.SubprocessError, OSError):
            pass
    return _resample_wav(wav)


def _resample_wav(wav: bytes) -> bytes:
    try:
        with wave.open(io.BytesIO(wav)) as reader:
            if reader.getsampwidth() != 2:
                raise SpeechUnavailableError("only 16-bit WAV can be converted")
            channels, rate = reader.getnchannels(), reader.getframerate()
            samples = array.array("h", reader.readframes(reader.getnframes()))
    except (wave.Error, EOFError) as exc:
        raise SpeechUnavailableError(f"not a WAV file: {exc}") from exc
    if sys.byteorder == "big":
        samples.byteswap()
    mono = samples[::channels] if channels > 1 else samples
    count = len(mono) * RATE // rate if rate else 0
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * rate / RATE
        left = int(position)
        right = min(left + 1, len(mono) - 1)
        fraction = position - left
        out[index] = int(mono[left] * (1 - fraction) + mono[right] * fraction)
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()
