"""Post-processing real Janus recordings (tests/media/data) with the real tools:
janus-pp-rec, ffprobe and ffmpeg. Without them these tests skip — and fail in CI."""

from __future__ import annotations

import array
import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from prachum.media import postprocess
from prachum.media.models import MediaTrafficRecord, TrafficKind

DATA = Path(__file__).parent / "data"
FIXTURE = json.loads((DATA / "recordings.json").read_text())


def require_media_tools() -> None:
    missing = [t for t in ("janus-pp-rec", "ffmpeg", "ffprobe") if not shutil.which(t)]
    if missing:
        message = f"not installed: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_media_tools()


def copy_recordings(folder: Path, *, crashed: str | None = None) -> dict[str, str]:
    """The test data into ``folder`` (``crashed``: left as ``.mjr.tmp``); name → sha."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name in FIXTURE["files"]:
        target = folder / (name + ".tmp" if name == crashed else name)
        shutil.copyfile(DATA / name, target)
        hashes[target.name] = postprocess.sha256_file(target)
    return hashes


def record_joins(users: dict[str, str], *, server: str = "janus-1") -> None:
    """The VideoRoom ``joined`` traffic rows the event ingestion stores."""
    for name, info in FIXTURE["files"].items():
        MediaTrafficRecord.objects.create(
            at=timezone.now(),
            server=server,
            kind=TrafficKind.JOINED,
            room=FIXTURE["room"],
            participant=info["participant"],
            user_key=users[info["speaker"]],
            detail={"file": name},
        )


def rms_windows(path: Path, windows: list[tuple[float, float]]) -> list[float]:
    """RMS (of full scale) of the decoded audio in each ``(start, end)`` second window."""
    decode = ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", "8000"]
    raw = subprocess.run(
        [*decode, "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    out = []
    for start, end in windows:
        part = samples[int(start * 8000) : int(end * 8000)]
        out.append(math.sqrt(sum(s * s for s in part) / max(1, len(part))) / 32768)
    return out


@pytest.mark.django_db
def test_every_mjr_is_converted_with_its_real_start_duration_and_owner(
    tmp_path: Path,
) -> None:
    crashed = sorted(FIXTURE["files"])[0]
    before = copy_recordings(tmp_path, crashed=crashed)
    record_joins({"alice": "11", "bob": "22"})

    result = postprocess.process_folder(tmp_path, server="janus-1")

    assert result.unreadable == []
    assert len(result.segments) == 3
    by_source = {s.source.removesuffix(".tmp"): s for s in result.segments}
    expected_ms = {"alice": 3000, "bob": None}
    for name, info in FIXTURE["files"].items():
        segment = by_source[name]
        assert segment.started_us == info["first_packet_us"]
        assert segment.created_us == info["created_us"]
        assert segment.user == {"alice": "11", "bob": "22"}[info["speaker"]]
        assert segment.participant == info["participant"]
        assert segment.kind == "audio"
        assert segment.output.suffix == ".opus"
        assert segment.sha256 == postprocess.sha256_file(segment.output)
        assert segment.recovered == (name == crashed)
        if expected_ms[info["speaker"]]:
            assert abs(segment.duration_ms - 3000) <= 100
    bob = sorted(
        (s for s in result.segments if s.user == "22"), key=lambda s: s.started_us
    )
    assert [round(s.duration_ms / 500) * 500 for s in bob] == [1500, 1000]
    # the segments are ordered on the timeline; the sources are untouched
    assert [s.started_us for s in result.segments] == sorted(
        s.started_us for s in result.segments
    )
    assert {
        p.name: postprocess.sha256_file(p) for p in postprocess.find_sources(tmp_path)
    } == before


@pytest.mark.django_db
def test_the_mixed_timeline_places_each_segment_at_its_real_offset(
    tmp_path: Path,
) -> None:
    copy_recordings(tmp_path)
    result = postprocess.process_folder(tmp_path)
    alice = min(i["first_packet_us"] for i in FIXTURE["files"].values())
    origin = alice - 1_000_000  # the meeting opened one second before alice spoke

    mixed = postprocess.mix_audio(result.segments, origin_us=origin, folder=tmp_path)

    assert mixed.sha256 == postprocess.sha256_file(mixed.output)
    # alice 1.0-4.0 s, bob 1.84-3.32 s, nobody 4.0-5.09 s, bob again 5.09-6.07 s
    assert abs(mixed.duration_ms - 6070) <= 150
    silent_before, both, nobody, bob_again = rms_windows(
        mixed.output, [(0.1, 0.9), (2.0, 3.2), (4.2, 4.9), (5.3, 5.9)]
    )
    assert silent_before < 0.005
    assert both > 0.1
    assert nobody < 0.005
    assert bob_again > 0.05


@pytest.mark.django_db
def test_many_segments_are_mixed_in_bounded_rounds(
    tmp_path: Path, monkeypatch: Any
) -> None:
    copy_recordings(tmp_path)
    result = postprocess.process_folder(tmp_path)
    origin = min(s.started_us for s in result.segments)
    monkeypatch.setattr(postprocess, "MIX_BATCH", 2)  # 3 inputs: two rounds

    mixed = postprocess.mix_audio(result.segments, origin_us=origin, folder=tmp_path)

    assert abs(mixed.duration_ms - 5070) <= 150
    (both,) = rms_windows(mixed.output, [(1.0, 2.2)])
    assert both > 0.1
    assert not (tmp_path / postprocess.PROCESSED_DIR / "mix-work").exists()


@pytest.mark.django_db
def test_an_unreadable_file_is_reported_and_the_others_converted(
    tmp_path: Path,
) -> None:
    copy_recordings(tmp_path)
    broken = tmp_path / "videoroom-1-user-2-3-audio-0.mjr"
    broken.write_bytes(b"MJR00002" + b"\x00" * 40)

    result = postprocess.process_folder(tmp_path)

    assert len(result.segments) == 3
    assert [u.source for u in result.unreadable] == [broken.name]
    assert broken.exists()


def test_a_missing_tool_fails_clearly_and_keeps_the_mjr(
    tmp_path: Path, monkeypatch: Any
) -> None:
    before = copy_recordings(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(postprocess.ToolMissingError, match="janus-pp-rec"):
        postprocess.process_folder(tmp_path)

    assert {
        p.name: postprocess.sha256_file(p) for p in postprocess.find_sources(tmp_path)
    } == before


@pytest.mark.django_db
def test_video_becomes_webm_and_only_audio_is_mixed(tmp_path: Path) -> None:
    for source in sorted((DATA / "video").glob("*.mjr")):
        shutil.copyfile(source, tmp_path / source.name)

    result = postprocess.process_folder(tmp_path)

    kinds = {s.kind: s for s in result.segments}
    assert sorted(kinds) == ["audio", "video"]
    video = kinds["video"]
    assert video.output.suffix == ".webm"
    assert abs(video.duration_ms - 1450) <= 150
    assert abs(video.started_us - kinds["audio"].started_us) < 50_000
    codec = ["-show_entries", "stream=codec_name", "-of", "csv=p=0"]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", *codec, str(video.output)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert probe.stdout.strip() == "vp8"
    mixed = postprocess.mix_audio(
        result.segments, origin_us=kinds["audio"].started_us, folder=tmp_path
    )
    assert mixed.inputs == [kinds["audio"].output.name]
