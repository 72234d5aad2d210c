"""Thai prompts from espeak-ng, 8 kHz 16-bit mono, made once and cached."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from prachum.sipgw import speech

PROMPT = "กรุณากดรหัสประจำตัว แล้วกดเครื่องหมายสี่เหลี่ยม"


def require_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        message = "espeak-ng is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def rms(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    return (sum(s * s for s in samples) / len(samples)) ** 0.5


def test_thai_text_becomes_audible_8khz_pcm_and_is_cached(tmp_path: Path) -> None:
    require_espeak()
    pcm = speech.synthesize(PROMPT, cache_dir=tmp_path)
    seconds = len(pcm) / 2 / 8000
    assert len(pcm) % 2 == 0
    assert 1.5 < seconds < 15
    assert rms(pcm) > 300
    cached = list(tmp_path.glob("*.pcm"))
    assert len(cached) == 1
    assert cached[0].read_bytes() == pcm
    cached[0].write_bytes(b"\x01\x00" * 8)  # proves the second call reads the cache
    assert speech.synthesize(PROMPT, cache_dir=tmp_path) == b"\x01\x00" * 8
    assert speech.synthesize(PROMPT + " ค่ะ", cache_dir=tmp_path) != b"\x01\x00" * 8


def test_the_python_resampler_agrees_with_sox_in_length_and_level(
    tmp_path: Path,
) -> None:
    require_espeak()
    wav = subprocess.run(
        ["espeak-ng", "-v", "th", "--stdout", PROMPT],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    by_sox = speech.to_pcm8k(wav)
    by_python = speech._resample_wav(wav)
    assert abs(len(by_sox) - len(by_python)) <= 8
    assert 0.7 < rms(by_python) / rms(by_sox) < 1.3


def test_without_espeak_ng_speech_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(speech.SpeechUnavailableError):
        speech.synthesize("สวัสดี", cache_dir=tmp_path)


@pytest.mark.parametrize("text", ["", "   ", "ก" * 2001])
def test_empty_or_huge_text_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="prompt"):
        speech.synthesize(text, cache_dir=tmp_path)
