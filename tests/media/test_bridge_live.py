"""The meeting's bridge between AudioBridge callers and the VideoRoom, on a real Janus.

A plain-RTP caller (a 1000 Hz tone, PCMA 20 ms) joins the AudioBridge as group
``sip``; an aiortc bot publishes a 400 Hz tone into the VideoRoom. Through
:class:`MeetingBridge` the caller must hear the bot, and the VideoRoom's remote
publisher must carry the caller (checked by forwarding it out of the VideoRoom to a
test socket and decoding the Opus with PyAV).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import pytest

from prachum.media.audiobridge import AudioBridge, AudioBridgeLeg
from prachum.media.bridge import MeetingBridge
from prachum.media.janus import JanusMediaServer
from prachum.media.protocol import MediaError
from tests.media.bots import Access, AudioPublisher, BotLoop, ToneTrack
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    NetnsJanus,
    bot_loop_fixture,
    netns_fixture,
    netns_janus_fixture,
    open_room,
    start_janus,
)
from tests.media.rtp_caller import RtpCaller, tone, tone_level
from tests.media.test_audiobridge_live import audiobridge_for, wait_until
from tests.netns import NetNamespace

pytestmark = pytest.mark.e2e

CALLER_TONE, BOT_TONE = 1000.0, 400.0


@dataclass
class OpusSink:
    """Receives an Opus RTP stream and decodes it (48 kHz mono samples)."""

    sock: socket.socket = field(init=False)
    packets: list[tuple[float, int, bytes]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) > 12:
                offset = 12 + 4 * (data[0] & 0x0F)
                if data[0] & 0x10:
                    offset += 4 + 4 * int.from_bytes(data[offset + 2 : offset + 4])
                ssrc = int.from_bytes(data[8:12], "big")
                self.packets.append((time.monotonic(), ssrc, data[offset:]))

    def decoded(self, since: float) -> list[int]:
        codec = av.CodecContext.create("opus", "r")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        samples = array("h")
        for at, _ssrc, payload in list(self.packets):
            if at < since or not payload:
                continue
            for frame in codec.decode(av.Packet(payload)):
                for out in resampler.resample(frame):
                    samples.frombytes(bytes(out.planes[0])[: 2 * out.samples])
        return list(samples)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.sock.close()


def _rooms(
    janus: NetnsJanus, rec_dir: Path
) -> tuple[AudioBridge, JanusMediaServer, Access, int]:
    meeting = f"bridge-{secrets.token_hex(6)}"
    access = open_room(janus, rec_dir, meeting_id=meeting)
    bridge = audiobridge_for(janus)
    audio_room = bridge.ensure_room(meeting_id=meeting, rec_dir=str(rec_dir))
    return bridge, janus.server(), access, audio_room


def _caller(ab: AudioBridge, room: int) -> tuple[RtpCaller, AudioBridgeLeg]:
    caller = RtpCaller(tone(CALLER_TONE, 1.0))
    ip, port = caller.address
    leg = ab.open_leg(
        room=room,
        display="SIP caller",
        group="sip",
        codec="pcma",
        rtp_ip=ip,
        rtp_port=port,
        record=False,
    )
    caller.start(leg.janus_ip, leg.janus_port)
    return caller, leg


@pytest.fixture(name="bridged")
def bridged_fixture(
    netns: NetNamespace, netns_janus: NetnsJanus, tmp_path: Path
) -> Iterator[tuple[AudioBridge, JanusMediaServer, Access, int, MeetingBridge]]:
    with netns.inside():
        ab, vr, access, audio_room = _rooms(netns_janus, tmp_path / "rec")
        meeting_bridge = MeetingBridge(
            audiobridge=ab,
            videoroom=vr,
            audio_room=audio_room,
            video_room=access.room,
            display="ผู้เข้าร่วมทางโทรศัพท์",
        )
        meeting_bridge.start()
        try:
            yield ab, vr, access, audio_room, meeting_bridge
        finally:
            meeting_bridge.stop()
            with contextlib.suppress(MediaError):
                ab.destroy_room(room=audio_room)
            with contextlib.suppress(MediaError):
                vr.destroy_room(room=access.room)


def test_callers_and_browsers_hear_each_other_through_the_bridge(
    netns: NetNamespace,
    bot_loop: BotLoop,
    bridged: tuple[AudioBridge, JanusMediaServer, Access, int, MeetingBridge],
) -> None:
    ab, vr, access, audio_room, meeting_bridge = bridged
    publisher = AudioPublisher(access, "browser", ToneTrack(frequency=int(BOT_TONE)))
    bot_loop.call(publisher.start())
    with netns.inside():
        caller, leg = _caller(ab, audio_room)
        sink = OpusSink()
        try:
            remote = meeting_bridge.remote_publisher
            assert remote is not None
            listed = {p.id: p for p in vr.list_participants(room=access.room)}
            assert listed[remote].display == "ผู้เข้าร่วมทางโทรศัพท์"
            assert listed[remote].publisher
            # The remote publisher (the callers' mix) out of the VideoRoom to a sink.
            vr.rtp_forward(
                room=access.room,
                publisher=remote,
                host="127.0.0.1",
                streams=[{"mid": "0", "port": sink.port}],
            )
            meeting_bridge.sync()
            meeting_bridge.sync()  # idempotent: still one leg
            legs = meeting_bridge.publisher_legs
            assert set(legs) == {publisher.id}
            in_ab = {p.id: p for p in ab.list_participants(room=audio_room)}
            assert set(in_ab) == {legs[publisher.id], leg.participant_id}
            time.sleep(3.0)
            since = time.monotonic() - 1.5
            assert meeting_bridge.relayed(publisher.id) > 50
            # The caller hears the browser...
            hears_bot = caller.level(BOT_TONE, since)
            assert hears_bot > 0.05, (hears_bot, len(caller.heard(since)))
            assert caller.level(CALLER_TONE, since) < hears_bot / 10
            # ...and the VideoRoom carries the caller, without the browser (group sip).
            heard = sink.decoded(since)
            assert len(heard) > 48000, len(heard)
            carried = tone_level(heard, CALLER_TONE, 48000)
            assert carried > 0.05, carried
            assert tone_level(heard, BOT_TONE, 48000) < carried / 10

            # The browser leaves: its leg goes with it.
            bot_loop.call(publisher.stop())
            assert wait_until(lambda: not vr.publisher_streams(room=access.room), 10)
            meeting_bridge.sync()
            assert meeting_bridge.publisher_legs == {}
            assert wait_until(
                lambda: (
                    {p.id for p in ab.list_participants(room=audio_room)}
                    == {leg.participant_id}
                ),
                5,
            )
        finally:
            leg.close()
            caller.close()
            sink.close()
            with contextlib.suppress(Exception):
                bot_loop.call(publisher.stop())


def test_restore_rebuilds_the_bridge_after_janus_restarted(
    netns: NetNamespace, tmp_path: Path
) -> None:
    janus = start_janus(netns, tmp_path / "janus2")
    try:
        with netns.inside():
            meeting = f"restore-{secrets.token_hex(6)}"
            rec_dir = tmp_path / "rec"
            access = open_room(janus, rec_dir, meeting_id=meeting)
            ab = audiobridge_for(janus)
            vr = janus.server()
            audio_room = ab.ensure_room(meeting_id=meeting, rec_dir=str(rec_dir))
            meeting_bridge = MeetingBridge(
                audiobridge=ab,
                videoroom=vr,
                audio_room=audio_room,
                video_room=access.room,
            )
            meeting_bridge.start()
            caller, leg = _caller(ab, audio_room)
            try:
                janus.kill()
                janus.start()
                assert leg.lost.wait(10)
                # The caller (the gateway) ensures the rooms again, then restores.
                open_room(janus, rec_dir, meeting_id=meeting)
                assert ab.ensure_room(meeting_id=meeting, rec_dir=str(rec_dir)) == (
                    audio_room
                )
                meeting_bridge.restore()
                remote = meeting_bridge.remote_publisher
                assert remote is not None
                assert remote in {p.id for p in vr.list_participants(room=access.room)}
                forwarders = ab.list_forwarders(room=audio_room)
                assert [f.get("group") for f in forwarders] == ["sip"], forwarders
            finally:
                leg.close()
                caller.close()
                meeting_bridge.stop()
            assert ab.list_forwarders(room=audio_room) == []
            assert remote not in {p.id for p in vr.list_participants(room=access.room)}
    finally:
        janus.close()
