"""Both directions between a meeting's AudioBridge (SIP callers) and VideoRoom.

* SIP → WebRTC: the AudioBridge forwards the mix of group ``sip`` (Opus, SSRC 1000)
  to a VideoRoom *remote publisher*, which browsers subscribe to like any feed.
* WebRTC → SIP: each VideoRoom publisher's audio is ``rtp_forward``-ed to a relay
  socket here, and from a second socket into a plain-RTP AudioBridge participant of
  group ``webrtc`` (not recorded: the VideoRoom records it already). The relay is
  needed because the VideoRoom forwarder sends from an ephemeral port while a plain-RTP
  participant only accepts packets from the port it declared (guide sip.md §1.5).

Callers hear everyone (mix-minus-self); browsers hear only the ``sip`` group, so
nobody hears themselves. :meth:`MeetingBridge.sync` follows the VideoRoom's
publishers; after a Janus restart the caller ensures both rooms again and calls
:meth:`MeetingBridge.restore`.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from dataclasses import dataclass, field

from prachum.media.audiobridge import (
    OPUS_PT,
    AudioBridge,
    AudioBridgeLeg,
    Forwarder,
)
from prachum.media.janus import JanusMediaServer
from prachum.media.protocol import MediaError

#: The VideoRoom demultiplexes a remote publisher's RTP by SSRC 1000 + 10 * mindex.
REMOTE_AUDIO_SSRC = 1000
SIP_GROUP = "sip"
WEBRTC_GROUP = "webrtc"


@dataclass
class _PublisherLeg:
    """One VideoRoom publisher's audio on its way into the AudioBridge."""

    publisher: int
    mid: str
    inbound: socket.socket  # receives the VideoRoom forwarder's packets
    outbound: socket.socket  # the leg's declared address: talks to Janus
    leg: AudioBridgeLeg | None = None
    stream_id: int | None = None
    target: tuple[str, int] | None = None
    relayed: int = 0

    def close(self) -> None:
        if self.leg is not None:
            self.leg.close()
        self.inbound.close()
        self.outbound.close()


@dataclass
class _Relay:
    """One thread moving packets for every publisher leg of a meeting."""

    selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def add(self, leg: _PublisherLeg) -> None:
        self.selector.register(leg.inbound, selectors.EVENT_READ, (leg, True))
        self.selector.register(leg.outbound, selectors.EVENT_READ, (leg, False))

    def remove(self, leg: _PublisherLeg) -> None:
        for sock in (leg.inbound, leg.outbound):
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.selector.unregister(sock)

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._run, name="audiobridge-relay", daemon=True
            )
            self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                ready = self.selector.select(timeout=0.2)
            except (OSError, ValueError):
                self.stop.wait(0.05)
                continue
            for key, _mask in ready:
                leg, inbound = key.data
                try:
                    data = key.fileobj.recv(2048)  # type: ignore[union-attr]
                except OSError:
                    continue
                # What Janus sends back to a webrtc leg is nobody's: dropped.
                if inbound and leg.target is not None:
                    with contextlib.suppress(OSError):
                        leg.outbound.sendto(data, leg.target)
                        leg.relayed += 1

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)
        self.selector.close()


class MeetingBridge:
    """The bridge of one meeting: ``start``, then ``sync`` as publishers come and go."""

    def __init__(
        self,
        *,
        audiobridge: AudioBridge,
        videoroom: JanusMediaServer,
        audio_room: int,
        video_room: int,
        relay_host: str = "127.0.0.1",
        display: str = "SIP",
    ) -> None:
        """``display`` names the callers' feed in the room (pass it translated)."""
        self.audiobridge = audiobridge
        self.videoroom = videoroom
        self.audio_room = audio_room
        self.video_room = video_room
        self.relay_host = relay_host
        self.display = display
        self.remote_publisher: int | None = None
        self.sip_forwarder: Forwarder | None = None
        self._legs: dict[int, _PublisherLeg] = {}
        self._relay: _Relay | None = None
        self._lock = threading.RLock()

    @property
    def publisher_legs(self) -> dict[int, int]:
        """VideoRoom publisher → its AudioBridge participant id."""
        with self._lock:
            return {
                p: leg.leg.participant_id
                for p, leg in self._legs.items()
                if leg.leg is not None
            }

    def relayed(self, publisher: int) -> int:
        """Packets relayed so far from ``publisher`` into the AudioBridge."""
        with self._lock:
            leg = self._legs.get(publisher)
            return leg.relayed if leg else 0

    def start(self) -> None:
        """The remote publisher carrying the callers' mix into the VideoRoom."""
        with self._lock:
            if self.remote_publisher is not None:
                return
            answer = self.videoroom.add_remote_publisher(
                room=self.video_room,
                display=self.display,
                iface=self.relay_host,
                streams=[{"type": "audio", "mid": "0", "mindex": 0, "codec": "opus"}],
            )
            self.remote_publisher = int(answer["id"])
            try:
                self.sip_forwarder = self.audiobridge.rtp_forward(
                    room=self.audio_room,
                    host=str(answer.get("ip") or self.relay_host),
                    port=int(answer["port"]),
                    group=SIP_GROUP,
                    codec="opus",
                    ssrc=REMOTE_AUDIO_SSRC,
                    payload_type=OPUS_PT,
                )
            except BaseException:
                with contextlib.suppress(MediaError):
                    self.videoroom.remove_remote_publisher(
                        room=self.video_room, participant=self.remote_publisher
                    )
                self.remote_publisher = None
                raise
            self._relay = _Relay()
            self._relay.start()

    def sync(self) -> None:
        """One leg per VideoRoom publisher sending audio; gone publishers' removed.

        A publisher who published again (new streams, forwarder gone) is forwarded
        again. Call it on the VideoRoom's ``published``/``unpublished``/``leaving``
        events, or periodically.
        """
        with self._lock:
            if self._relay is None:
                raise RuntimeError("MeetingBridge.start() first")
            wanted: dict[int, str] = {}
            for publisher, streams in self.videoroom.publisher_streams(
                room=self.video_room
            ).items():
                if publisher == self.remote_publisher:
                    continue
                audio = [s for s in streams if s.get("type") == "audio" and "mid" in s]
                if audio:
                    wanted[publisher] = str(audio[0]["mid"])
            for publisher in set(self._legs) - set(wanted):
                self._drop(publisher)
            if not wanted:
                return
            forwarders = self.videoroom.list_forwarders(room=self.video_room)
            for publisher, mid in wanted.items():
                leg = self._legs.get(publisher)
                if leg is not None and leg.mid != mid:
                    self._drop(publisher)
                    leg = None
                if leg is None:
                    leg = self._open(publisher, mid)
                live = {f.get("stream_id") for f in forwarders.get(publisher, [])}
                if leg.stream_id is None or leg.stream_id not in live:
                    self._forward(leg)

    def _open(self, publisher: int, mid: str) -> _PublisherLeg:
        assert self._relay is not None
        inbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        outbound = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        leg = _PublisherLeg(publisher, mid, inbound, outbound)
        try:
            inbound.bind((self.relay_host, 0))
            outbound.bind((self.relay_host, 0))
            leg.leg = self.audiobridge.open_leg(
                room=self.audio_room,
                display=f"webrtc:{publisher}",
                group=WEBRTC_GROUP,
                codec="opus",
                rtp_ip=self.relay_host,
                rtp_port=int(outbound.getsockname()[1]),
                record=False,
                payload_type=OPUS_PT,
            )
        except BaseException:
            leg.close()
            raise
        leg.target = (leg.leg.janus_ip, leg.leg.janus_port)
        self._legs[publisher] = leg
        self._relay.add(leg)
        return leg

    def _forward(self, leg: _PublisherLeg) -> None:
        forwarders = self.videoroom.rtp_forward(
            room=self.video_room,
            publisher=leg.publisher,
            host=self.relay_host,
            streams=[
                {
                    "mid": leg.mid,
                    "port": int(leg.inbound.getsockname()[1]),
                    "pt": OPUS_PT,
                }
            ],
        )
        leg.stream_id = int(forwarders[0]["stream_id"]) if forwarders else None

    def _drop(self, publisher: int, *, quiet: bool = False) -> None:
        leg = self._legs.pop(publisher, None)
        if leg is None:
            return
        if self._relay is not None:
            self._relay.remove(leg)
        if leg.stream_id is not None and not quiet:
            with contextlib.suppress(MediaError):
                self.videoroom.stop_rtp_forward(
                    room=self.video_room, publisher=publisher, stream_id=leg.stream_id
                )
        leg.close()

    def stop(self) -> None:
        """Remove every leg, forwarder and the remote publisher (quiet if gone)."""
        with self._lock:
            self._teardown(quiet=False)

    def _teardown(self, *, quiet: bool) -> None:
        for publisher in list(self._legs):
            self._drop(publisher, quiet=quiet)
        if not quiet:
            if self.sip_forwarder is not None:
                with contextlib.suppress(MediaError):
                    self.audiobridge.stop_rtp_forward(
                        room=self.audio_room, stream_id=self.sip_forwarder.stream_id
                    )
            if self.remote_publisher is not None:
                with contextlib.suppress(MediaError):
                    self.videoroom.remove_remote_publisher(
                        room=self.video_room, participant=self.remote_publisher
                    )
        self.sip_forwarder = None
        self.remote_publisher = None
        if self._relay is not None:
            self._relay.close()
            self._relay = None

    def restore(self) -> None:
        """After Janus restarted (rooms ensured again by the caller): rebuild it all.

        What the old Janus had is gone with it; nothing is asked of it.
        """
        with self._lock:
            self._teardown(quiet=True)
            self.start()
            self.sync()
