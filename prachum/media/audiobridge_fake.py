"""An in-memory AudioBridge with Janus's behaviour, for unit tests and running without
Janus (no audio then). ``tests/media/test_audiobridge_contract.py`` holds it and
:class:`prachum.media.audiobridge.AudioBridge` to the same expectations.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from prachum.media import tokens
from prachum.media.audiobridge import GROUPS, Forwarder, new_participant_id
from prachum.media.protocol import MediaError, MediaErrorCode, MediaParticipant

_ports = itertools.count(30000)
_streams = itertools.count(1)


@dataclass
class _Room:
    room: int
    rec_dir: str
    legs: dict[int, FakeLeg] = field(default_factory=dict)
    forwarders: dict[int, Forwarder] = field(default_factory=dict)


class FakeLeg:
    """A leg of :class:`FakeAudioBridge`: events, ``kicked`` and ``close`` as a real one."""

    def __init__(
        self,
        bridge: FakeAudioBridge,
        *,
        room: int,
        participant_id: int,
        display: str,
        group: str,
        record: bool,
        filename: str,
    ) -> None:
        self.room = room
        self.participant_id = participant_id
        self.janus_ip = "127.0.0.1"
        self.janus_port = next(_ports)
        self.display = display
        self.group = group
        self.record = record
        self.filename = filename
        self.muted = False
        self.kicked = threading.Event()
        self.lost = threading.Event()
        self._bridge = bridge
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._closed = False

    def push(self, event: dict[str, Any]) -> None:
        if event.get("kicked") == self.participant_id:
            self.kicked.set()
        self._events.put(event)

    def next_event(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._bridge._leave(self)


class FakeAudioBridge:
    """Rooms, legs, mute/kick and forwarders in memory."""

    def __init__(self, *, name: str = "fake-janus") -> None:
        self.name = name
        self._rooms: dict[int, _Room] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls) -> FakeAudioBridge:
        return cls()

    def _room(self, room: int) -> _Room:
        found = self._rooms.get(room)
        if found is None:
            raise MediaError(
                MediaErrorCode.NO_SUCH_ROOM, f"No such room ({room})", janus_code=485
            )
        return found

    def _leg(self, room: int, participant: int) -> FakeLeg:
        leg = self._room(room).legs.get(participant)
        if leg is None:
            raise MediaError(
                MediaErrorCode.NO_SUCH_PARTICIPANT,
                f"No such user {participant} in room {room}",
                janus_code=492,
            )
        return leg

    def ensure_room(self, *, meeting_id: str, rec_dir: str) -> int:
        room = tokens.room_id_for(meeting_id)
        with self._lock:
            if room in self._rooms:
                self._rooms[room].rec_dir = rec_dir
            else:
                self._rooms[room] = _Room(room, rec_dir)
        return room

    def destroy_room(self, *, room: int) -> None:
        with self._lock:
            found = self._room(room)
            for leg in list(found.legs.values()):
                leg.push({"audiobridge": "destroyed", "room": room})
            del self._rooms[room]

    def exists(self, *, room: int) -> bool:
        return room in self._rooms

    def mute(self, *, room: int, participant: int, muted: bool) -> None:
        with self._lock:
            leg = self._leg(room, participant)
            leg.muted = muted
            entry = {"id": participant, "display": leg.display, "muted": muted}
            for other in self._rooms[room].legs.values():
                other.push(
                    {"audiobridge": "event", "room": room, "participants": [entry]}
                )

    def kick(self, *, room: int, participant: int) -> None:
        with self._lock:
            self._leg(room, participant)
            found = self._rooms[room]
            for other in list(found.legs.values()):
                other.push(
                    {"audiobridge": "event", "room": room, "kicked": participant}
                )
            del found.legs[participant]

    def list_participants(self, *, room: int) -> list[MediaParticipant]:
        with self._lock:
            return [
                MediaParticipant(
                    id=leg.participant_id,
                    display=leg.display,
                    publisher=True,
                    muted=leg.muted,
                )
                for leg in self._room(room).legs.values()
            ]

    def open_leg(
        self,
        *,
        room: int,
        display: str,
        group: str,
        codec: str,
        rtp_ip: str,
        rtp_port: int,
        record: bool,
        filename: str = "",
        participant_id: int | None = None,
        payload_type: int | None = None,
    ) -> FakeLeg:
        del rtp_ip, rtp_port, payload_type
        if codec not in ("pcma", "pcmu", "opus"):
            raise ValueError(f"AudioBridge legs take pcma, pcmu or opus, not {codec}")
        with self._lock:
            found = self._room(room)
            if group not in GROUPS:
                raise MediaError(
                    MediaErrorCode.REFUSED, f"No such group ({group})", janus_code=494
                )
            participant = participant_id or new_participant_id()
            if participant in found.legs:
                raise MediaError(
                    MediaErrorCode.REFUSED,
                    f"User ID {participant} already exists",
                    janus_code=490,
                )
            leg = FakeLeg(
                self,
                room=room,
                participant_id=participant,
                display=display,
                group=group,
                record=record,
                filename=filename,
            )
            for other in found.legs.values():
                other.push(
                    {
                        "audiobridge": "joined",
                        "room": room,
                        "participants": [{"id": participant, "display": display}],
                    }
                )
            found.legs[participant] = leg
            return leg

    def _leave(self, leg: FakeLeg) -> None:
        with self._lock:
            found = self._rooms.get(leg.room)
            if found is None or found.legs.get(leg.participant_id) is not leg:
                return
            del found.legs[leg.participant_id]
            for other in found.legs.values():
                other.push(
                    {
                        "audiobridge": "event",
                        "room": leg.room,
                        "leaving": leg.participant_id,
                    }
                )

    def rtp_forward(
        self,
        *,
        room: int,
        host: str,
        port: int,
        group: str | None = None,
        codec: str = "opus",
        ssrc: int = 0,
        payload_type: int = 111,
        always_on: bool = True,
    ) -> Forwarder:
        del payload_type, always_on
        with self._lock:
            found = self._room(room)
            forwarder = Forwarder(next(_streams), host, port, group or "", ssrc, codec)
            found.forwarders[forwarder.stream_id] = forwarder
            return forwarder

    def stop_rtp_forward(self, *, room: int, stream_id: int) -> None:
        with self._lock:
            found = self._room(room)
            if found.forwarders.pop(stream_id, None) is None:
                raise MediaError(
                    MediaErrorCode.REFUSED, f"No such stream ({stream_id})"
                )

    def list_forwarders(self, *, room: int) -> list[dict[str, Any]]:
        with self._lock:
            found = []
            for f in self._room(room).forwarders.values():
                item: dict[str, Any] = {
                    "stream_id": f.stream_id,
                    "ip": f.host,
                    "port": f.port,
                    "ssrc": f.ssrc or f.stream_id,
                    "codec": f.codec,
                }
                if f.group:
                    item["group"] = f.group
                found.append(item)
            return found
