"""The AudioBridge adapter against a real Janus, with plain-RTP callers (issue 17).

Each caller sends a distinct tone as PCMA 20 ms from its own socket; what Janus sends
back is decoded and the tones are measured with Goertzel. Everything runs inside the
test's network namespace (Janus's plain-RTP legs on its 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import time
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from prachum.media import postprocess
from prachum.media.audiobridge import (
    AudioBridge,
    AudioBridgeLeg,
    leg_recording_name,
    new_participant_id,
)
from prachum.media.protocol import MediaError, MediaErrorCode
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    NetnsJanus,
    netns_fixture,
    netns_janus_fixture,
    start_janus,
)
from tests.media.rtp_caller import RtpCaller, tone, tone_level
from tests.netns import NetNamespace

pytestmark = pytest.mark.e2e

TONE_A, TONE_B = 500.0, 1300.0


def audiobridge_for(janus: NetnsJanus) -> AudioBridge:
    return AudioBridge(
        http_url=janus.http_url,
        admin_url=janus.admin_url,
        admin_secret=janus.config.admin_secret,
        api_secret=janus.config.api_secret,
        room_admin_key=janus.config.room_admin_key,
        name=janus.config.server_name,
    )


def wait_until(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(name="ab_room")
def ab_room_fixture(
    netns: NetNamespace, netns_janus: NetnsJanus, tmp_path: Path
) -> Iterator[tuple[AudioBridge, int, Path]]:
    rec_dir = tmp_path / "recordings"
    rec_dir.mkdir(mode=0o700)
    with netns.inside():
        bridge = audiobridge_for(netns_janus)
        room = bridge.ensure_room(
            meeting_id=f"ab-{secrets.token_hex(6)}", rec_dir=str(rec_dir)
        )
        try:
            yield bridge, room, rec_dir
        finally:
            with contextlib.suppress(MediaError):
                bridge.destroy_room(room=room)


def join_caller(
    bridge: AudioBridge,
    room: int,
    frequency: float,
    *,
    display: str,
    record: bool = False,
    filename: str = "",
    participant_id: int | None = None,
) -> tuple[RtpCaller, AudioBridgeLeg]:
    caller = RtpCaller(tone(frequency, 1.0))
    ip, port = caller.address
    leg = bridge.open_leg(
        room=room,
        display=display,
        group="sip",
        codec="pcma",
        rtp_ip=ip,
        rtp_port=port,
        record=record,
        filename=filename,
        participant_id=participant_id,
    )
    caller.start(leg.janus_ip, leg.janus_port)
    return caller, leg


def test_a_leg_joins_and_is_listed_until_it_leaves(
    netns: NetNamespace, ab_room: tuple[AudioBridge, int, Path]
) -> None:
    bridge, room, _ = ab_room
    with netns.inside():
        # Idempotent: a second ensure finds the same room.
        assert bridge.ensure_room(meeting_id="other", rec_dir="/tmp") != room
        bridge.destroy_room(room=bridge.ensure_room(meeting_id="other", rec_dir="/tmp"))
        caller, leg = join_caller(bridge, room, TONE_A, display="SIP: Member A")
        try:
            assert leg.janus_ip == "127.0.0.1"
            assert 0 < leg.janus_port < 65536
            assert leg.room == room
            listed = {p.id: p for p in bridge.list_participants(room=room)}
            assert listed[leg.participant_id].display == "SIP: Member A"
            assert listed[leg.participant_id].muted is False
        finally:
            leg.close()
            leg.close()  # idempotent
            caller.close()
        assert wait_until(lambda: not bridge.list_participants(room=room), 5)
        with pytest.raises(MediaError) as missing:
            bridge.mute(room=room, participant=leg.participant_id, muted=True)
        assert missing.value.code == MediaErrorCode.NO_SUCH_PARTICIPANT
        with pytest.raises(MediaError) as no_room:
            bridge.list_participants(room=room + 1)
        assert no_room.value.code == MediaErrorCode.NO_SUCH_ROOM


def test_two_legs_hear_each_other_not_themselves_and_mute_silences(
    netns: NetNamespace, ab_room: tuple[AudioBridge, int, Path]
) -> None:
    bridge, room, _ = ab_room
    with netns.inside():
        a, leg_a = join_caller(bridge, room, TONE_A, display="A")
        b, leg_b = join_caller(bridge, room, TONE_B, display="B")
        try:
            time.sleep(2.5)
            since = time.monotonic() - 1.5
            # A hears B's tone and (mix-minus-self) not its own; B the other way.
            a_hears_b, a_hears_a = a.level(TONE_B, since), a.level(TONE_A, since)
            b_hears_a, b_hears_b = b.level(TONE_A, since), b.level(TONE_B, since)
            assert a_hears_b > 0.05, (a_hears_b, len(a.heard(since)))
            assert b_hears_a > 0.05, (b_hears_a, len(b.heard(since)))
            assert a_hears_a < a_hears_b / 10
            assert b_hears_b < b_hears_a / 10
            assert {p.payload_type for p in a.received} == {8}

            bridge.mute(room=room, participant=leg_b.participant_id, muted=True)
            listed = {p.id: p for p in bridge.list_participants(room=room)}
            assert listed[leg_b.participant_id].muted is True
            time.sleep(1.5)
            since = time.monotonic() - 1.0
            assert a.level(TONE_B, since) < a_hears_b / 20
            assert b.level(TONE_A, since) > 0.05  # B still hears A

            bridge.mute(room=room, participant=leg_b.participant_id, muted=False)
            time.sleep(1.5)
            assert a.level(TONE_B, time.monotonic() - 1.0) > 0.05
        finally:
            for leg in (leg_a, leg_b):
                leg.close()
            a.close()
            b.close()


def _wav_samples(path: Path) -> tuple[list[int], int]:
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        samples = array("h")
        samples.frombytes(frames)
        channels = wav.getnchannels()
        return list(samples[::channels]), wav.getframerate()


def test_kick_reaches_the_leg_and_its_recording_decodes_to_what_it_sent(
    netns: NetNamespace, ab_room: tuple[AudioBridge, int, Path]
) -> None:
    if shutil.which("janus-pp-rec") is None:
        pytest.fail("janus-pp-rec is missing (apt-get install janus-tools)")
    bridge, room, rec_dir = ab_room
    with netns.inside():
        participant = new_participant_id()
        name = leg_recording_name(room=room, participant=participant, user_key="u-42")
        a, leg_a = join_caller(
            bridge,
            room,
            TONE_A,
            display="A",
            record=True,
            filename=name,
            participant_id=participant,
        )
        b, leg_b = join_caller(bridge, room, TONE_B, display="B")
        try:
            assert leg_a.participant_id == participant
            recording = bridge.leg_recording(leg_a)
            assert recording is not None
            assert recording.removesuffix(".tmp").endswith(f"{name}-audio.mjr")
            assert bridge.leg_recording(leg_b) is None  # not asked to record
            time.sleep(3.0)
            assert not leg_a.kicked.is_set()
            bridge.kick(room=room, participant=leg_a.participant_id)
            assert leg_a.kicked.wait(5)
            assert not leg_b.kicked.is_set()  # B only hears of it
            seen = []
            for _ in range(20):
                event = leg_b.next_event(1.0)
                if event is None:
                    break
                seen.append(event)
                if event.get("kicked") == leg_a.participant_id:
                    break
            assert any(e.get("kicked") == leg_a.participant_id for e in seen), seen
            assert wait_until(
                lambda: (
                    leg_a.participant_id
                    not in {p.id for p in bridge.list_participants(room=room)}
                ),
                5,
            )
        finally:
            for leg in (leg_a, leg_b):
                leg.close()
            a.close()
            b.close()
    mjr = rec_dir / f"{name}-audio.mjr"
    assert wait_until(mjr.exists, 5), sorted(p.name for p in rec_dir.iterdir())
    out = rec_dir / "a.wav"
    done = subprocess.run(
        ["janus-pp-rec", str(mjr), str(out)], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-500:]
    samples, rate = _wav_samples(out)
    assert 2.0 < len(samples) / rate < 6.0
    middle = samples[rate : 2 * rate]
    assert tone_level(middle, TONE_A, rate) > 0.2
    assert tone_level(middle, TONE_B, rate) < 0.01  # its own audio, not the mix
    # The post-processing recognises it as the member's audio track.
    parsed = postprocess.parse_name(mjr.name)
    assert parsed is not None
    assert (parsed.room, parsed.participant, parsed.user) == (room, participant, "u-42")
    # ... converted (to WAV: janus-pp-rec writes G.711 only so), attributed to the
    # member by its name, and placed on the mixed timeline by its first packet.
    (rec_dir / "a.wav").unlink()
    result = postprocess.process_folder(rec_dir)
    assert not result.unreadable, result.unreadable
    [segment] = result.segments
    assert segment.output.suffix == ".wav"
    assert (segment.kind, segment.user) == ("audio", "u-42")
    assert (segment.room, segment.participant) == (room, participant)
    assert 2000 < segment.duration_ms < 6000
    assert abs(segment.started_us / 1e6 - time.time()) < 60
    origin = segment.started_us - 1_500_000
    mixed = postprocess.mix_audio(result.segments, origin_us=origin, folder=rec_dir)
    assert abs(mixed.duration_ms - (1500 + segment.duration_ms)) < 300


def test_a_leg_outlives_janus_session_timeout(
    netns: NetNamespace, tmp_path: Path
) -> None:
    """Nobody keeps a caller's session alive but the leg itself."""
    janus = start_janus(netns, tmp_path / "janus", session_timeout=4)
    try:
        with netns.inside():
            bridge = audiobridge_for(janus)
            bridge.keepalive_seconds = 1.5
            room = bridge.ensure_room(meeting_id="timeout", rec_dir=str(tmp_path))
            caller, leg = join_caller(bridge, room, TONE_A, display="A")
            try:
                time.sleep(10)
                assert not leg.lost.is_set()
                assert [p.id for p in bridge.list_participants(room=room)] == [
                    leg.participant_id
                ]
            finally:
                leg.close()
                caller.close()
            assert bridge.list_participants(room=room) == []
    finally:
        janus.close()
