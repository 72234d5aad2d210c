"""What Janus records, checked on the recordings themselves.

A real Janus runs in the test's own network namespace (``tests/netns.py``); aiortc
bots publish a 400 Hz tone through it (``tests/media/bots.py``). After each scenario
the ``.mjr`` files go through the product's post-processing
(``prachum.media.postprocess.convert``: ``janus-pp-rec`` → ``.opus``, first-packet
time from the ``.mjr`` header) and are decoded with PyAV: loudness is measured per
250 ms window and placed on the wall clock, so "silent from the mute on" and "no
media for the span with recording off" are read from the audio, not from Janus's
word.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prachum.media import postprocess
from tests.media.bots import (
    Access,
    AudioPublisher,
    AudioSubscriber,
    BotLoop,
    ToneTrack,
)
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    TIMINGS,
    NetnsJanus,
    bot_loop_fixture,
    netns_fixture,
    netns_janus_fixture,
    open_room,
)
from tests.media.recorded_audio import Window, loudness, mjr_packets

pytestmark = pytest.mark.e2e

# The tone's RMS is about 0.21 (amplitude 0.3); Opus keeps it within a few percent.
LOUD = 0.1
SILENT = 0.01
WINDOW = 0.25


def _segments(rec_dir: Path, out: Path) -> list[postprocess.Segment]:
    """Every recording of the folder converted, in order of first packet."""
    # Janus renames ``.mjr.tmp`` to ``.mjr`` when a recorder closes: give it a moment.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        p.name.endswith(".tmp") for p in rec_dir.iterdir()
    ):
        time.sleep(0.1)
    tools = postprocess.require_tools()
    out.mkdir(parents=True, exist_ok=True)
    segments = [
        postprocess.convert(tools, source, out, user=None)
        for source in postprocess.find_sources(rec_dir)
    ]
    return sorted(segments, key=lambda s: s.started_us)


def _placed(segment: postprocess.Segment) -> list[Window]:
    """The segment's loudness windows on the wall clock (seconds since the epoch)."""
    origin = segment.started_us / 1e6
    return [
        Window(origin + w.start, origin + w.end, w.rms)
        for w in loudness(segment.output, window=WINDOW)
    ]


def _start(bot_loop: BotLoop, access: Access, display: str) -> AudioPublisher:
    publisher = AudioPublisher(access, display, ToneTrack())
    bot_loop.call(publisher.start())
    TIMINGS.setdefault("bot ICE connect (s)", publisher.ice_seconds)
    TIMINGS.setdefault("bot offer to webrtcup (s)", publisher.webrtcup_seconds)
    return publisher


def test_a_published_tone_is_recorded_for_the_whole_publish_time(
    netns_janus: NetnsJanus, bot_loop: BotLoop, tmp_path: Path
) -> None:
    rec_dir = tmp_path / "recordings"
    access = open_room(netns_janus, rec_dir)
    publisher = _start(bot_loop, access, "tone")
    began = publisher.joined_at
    status = netns_janus.media.recording_status(room=access.room)
    assert status.get(publisher.id), status  # Janus says it is recording
    subscriber = AudioSubscriber(access)
    bot_loop.call(subscriber.start([publisher.id]))
    time.sleep(6)
    received, lost = bot_loop.call(subscriber.rtp_stats())
    frames = subscriber.frames
    sent, _ = bot_loop.call(publisher.rtp_sent())
    ended = time.time()
    bot_loop.call(publisher.stop())
    bot_loop.call(subscriber.stop())

    segments = _segments(rec_dir, tmp_path / "out")

    assert [s.kind for s in segments] == ["audio"]
    segment = segments[0]
    assert segment.source.endswith(".mjr")
    assert not segment.recovered
    published = ended - began
    assert abs(segment.duration_ms / 1000 - published) < 1.0, (segment, published)
    assert abs(segment.started_us / 1e6 - began) < 1.0
    windows = _placed(segment)
    loud = [w for w in windows if w.rms > LOUD]
    assert len(loud) * WINDOW >= published - 1.0, windows
    # Every packet sent is in the recording (a few more went out while leaving).
    recorded = mjr_packets(rec_dir / segment.source)
    assert recorded.missing == 0
    assert 0 <= recorded.packets - sent <= 25, (recorded, sent)
    # The subscriber heard it too: ~50 frames a second.
    assert frames > 40 * 5, frames
    assert received > 40 * 5, received
    assert lost <= received // 100, (received, lost)


def test_b_a_muted_participant_is_silent_in_the_recording_from_the_mute_on(
    netns_janus: NetnsJanus, bot_loop: BotLoop, tmp_path: Path
) -> None:
    rec_dir = tmp_path / "recordings"
    access = open_room(netns_janus, rec_dir)
    publisher = _start(bot_loop, access, "to-be-muted")
    began = publisher.joined_at
    time.sleep(3)
    mute_asked = time.time()
    netns_janus.media.moderate(
        room=access.room, participant=publisher.id, mute_audio=True, mute_video=False
    )
    muted = time.time()
    time.sleep(3)
    bot_loop.call(publisher.stop())

    segments = _segments(rec_dir, tmp_path / "out")

    assert len(segments) == 1, segments
    windows = _placed(segments[0])
    before = [w for w in windows if w.start >= began + 0.25 and w.end <= mute_asked]
    after = [w for w in windows if w.start >= muted + 0.5]
    # Loud up to the mute: the whole ~3 s before it.
    assert len(before) * WINDOW >= 2.0, windows
    assert all(w.rms > LOUD for w in before), before
    # From the mute on: silent, or not in the file at all.
    assert all(w.rms < SILENT for w in after), after
    recorded_loud = [w for w in windows if w.rms > LOUD]
    assert max(w.end for w in recorded_loud) <= muted + 0.5


def test_c_a_span_with_recording_off_has_no_media_in_the_recordings(
    netns_janus: NetnsJanus, bot_loop: BotLoop, tmp_path: Path
) -> None:
    rec_dir = tmp_path / "recordings"
    access = open_room(netns_janus, rec_dir)
    media = netns_janus.media
    publisher = _start(bot_loop, access, "secret-session")
    time.sleep(3)
    off_asked = time.time()
    media.set_recording(room=access.room, record=False)
    off = time.time()
    assert media.recording_status(room=access.room) == {publisher.id: None}
    time.sleep(3)
    on_asked = time.time()
    media.set_recording(room=access.room, record=True)
    assert media.recording_status(room=access.room).get(publisher.id)
    time.sleep(3)
    bot_loop.call(publisher.stop())

    segments = _segments(rec_dir, tmp_path / "out")

    assert len(segments) == 2, segments
    first, second = segments
    assert first.ended_us / 1e6 <= off + 0.5, (first, off)
    assert second.started_us / 1e6 >= on_asked - 0.1, (second, on_asked)
    gap = (second.started_us - first.ended_us) / 1e6
    assert on_asked - off_asked - 0.6 <= gap <= on_asked - off_asked + 0.6, gap
    # No audio of either segment falls into the span with recording off.
    for segment in segments:
        for window in _placed(segment):
            assert window.end <= off + 0.5 or window.start >= on_asked - 0.1, window
        assert sum(w.rms > LOUD for w in _placed(segment)) * WINDOW >= 2.0


def test_d_recording_resumes_when_a_killed_janus_is_back(
    netns_janus: NetnsJanus, bot_loop: BotLoop, tmp_path: Path
) -> None:
    rec_dir = tmp_path / "recordings"
    meeting = "kill-test"
    access = open_room(netns_janus, rec_dir, meeting_id=meeting)
    first_publisher = _start(bot_loop, access, "survivor")
    began = first_publisher.joined_at
    time.sleep(3)
    killed = time.time()
    try:
        netns_janus.kill()
        bot_loop.call(first_publisher.stop(), timeout=20)
    finally:
        restarting = time.monotonic()
        netns_janus.start()
        TIMINGS["janus restart in netns (s)"] = time.monotonic() - restarting
    # What the product does on recovery: the same meeting's room again, rejoin.
    access = open_room(netns_janus, rec_dir, meeting_id=meeting)
    back = time.time()
    second_publisher = _start(bot_loop, access, "survivor")
    time.sleep(3)
    bot_loop.call(second_publisher.stop())

    segments = _segments(rec_dir, tmp_path / "out")

    assert len(segments) == 2, segments
    crashed, resumed = segments
    assert crashed.recovered
    assert not resumed.recovered
    # The crash leftover holds everything up to the kill (less than 1 s lost).
    assert abs(crashed.ended_us / 1e6 - killed) < 1.0, (crashed, killed)
    assert abs(crashed.started_us / 1e6 - began) < 1.0
    assert resumed.started_us / 1e6 >= back
    assert resumed.started_us > crashed.ended_us  # the gap is visible
    for segment in segments:
        assert sum(w.rms > LOUD for w in _placed(segment)) * WINDOW >= 2.0
