"""An in-memory media server with Janus's behaviour, for tests and for running without
Janus (no audio/video then). The contract tests in ``tests/media/`` hold it to the same
behaviour as :class:`prachum.media.janus.JanusMediaServer`.

Beyond the protocol it offers what a test needs to play the browser's part:
:meth:`FakeMediaServer.attach`, :meth:`~FakeMediaServer.join`,
:meth:`~FakeMediaServer.publish` and :meth:`~FakeMediaServer.break_recording`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prachum.media import tokens
from prachum.media.config import DEBIAN_PROTECTED_FOLDERS, is_protected
from prachum.media.protocol import (
    DEFAULT_TOKEN_TTL_SECONDS,
    VIDEOROOM,
    MediaError,
    MediaErrorCode,
    MediaHealth,
    MediaParticipant,
    MediaRoomInfo,
)

FAKE_TOKEN_SECRET = "fake-token-secret"  # the fake's own, not a credential
FAKE_ROOM_KEY = "fake-room-admin-key"


@dataclass
class _Stream:
    mid: str
    kind: str
    muted: bool = False
    recording: str | None = None


@dataclass
class _Participant:
    id: int
    display: str
    opaque_id: str = ""
    streams: list[_Stream] = field(default_factory=list)
    segment: int = 0


@dataclass
class _Room:
    room: int
    record: bool
    lock_record: bool
    rec_dir: str
    publishers: int
    participants: dict[int, _Participant] = field(default_factory=dict)


def _no_room(room: int) -> MediaError:
    return MediaError(
        MediaErrorCode.NO_SUCH_ROOM, f"No such room ({room})", janus_code=426
    )


class FakeMediaServer:
    """Rooms, participants and recordings kept in a dict (thread-safe)."""

    def __init__(
        self,
        *,
        name: str = "fake-1",
        token_secret: str = FAKE_TOKEN_SECRET,
        room_admin_key: str = FAKE_ROOM_KEY,
        protected_folders: tuple[str, ...] = DEBIAN_PROTECTED_FOLDERS,
    ) -> None:
        self.name = name
        self._token_secret = token_secret
        self._room_key = room_admin_key
        self._protected = protected_folders
        self._rooms: dict[int, _Room] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1001)

    @classmethod
    def from_settings(cls) -> FakeMediaServer:
        """One shared instance per process, like Django's in-memory backends."""
        global _shared
        with _shared_lock:
            if _shared is None:
                from django.conf import settings

                _shared = cls(
                    name="fake-1",
                    token_secret=settings.JANUS_TOKEN_SECRET,
                    room_admin_key=settings.JANUS_ROOM_ADMIN_KEY,
                )
            else:
                # The rooms stay shared; the credentials follow the settings (tests
                # change them), as a restarted Janus would read its new config.
                from django.conf import settings

                _shared._token_secret = settings.JANUS_TOKEN_SECRET
                _shared._room_key = settings.JANUS_ROOM_ADMIN_KEY
            return _shared

    def _room(self, room: int) -> _Room:
        found = self._rooms.get(room)
        if found is None:
            raise _no_room(room)
        return found

    def _participant(self, room: int, participant: int) -> _Participant:
        found = self._room(room).participants.get(participant)
        if found is None:
            raise MediaError(
                MediaErrorCode.NO_SUCH_PARTICIPANT,
                f"No such user {participant} in room {room}",
                janus_code=428,
            )
        return found

    def _start_recording(self, room: _Room, who: _Participant) -> None:
        """What Janus does on publish: one file per stream, unless it cannot write."""
        who.segment += 1
        writable = room.record and not is_protected(room.rec_dir, self._protected)
        for stream in who.streams:
            stream.recording = (
                f"{room.rec_dir}/{who.id}-{who.segment}-{stream.kind}-{stream.mid}.mjr"
                if writable
                else None
            )

    # -- MediaServer ----------------------------------------------------------

    def health(self) -> MediaHealth:
        with self._lock:
            sessions = sum(len(r.participants) for r in self._rooms.values())
        return MediaHealth(reachable=True, version="fake", sessions=sessions)

    def ensure_room(
        self, *, meeting_id: str, record: bool, rec_dir: str, publishers: int
    ) -> int:
        room = tokens.room_id_for(meeting_id)
        with self._lock:
            existing = self._rooms.get(room)
            if existing is None:
                self._rooms[room] = _Room(room, record, True, rec_dir, publishers)
                return room
            existing.rec_dir = rec_dir
            existing.lock_record = True
            existing.publishers = publishers
        self.set_recording(room=room, record=record)
        return room

    def destroy_room(self, *, room: int) -> None:
        with self._lock:
            self._room(room)
            del self._rooms[room]

    def room_info(self, *, room: int) -> MediaRoomInfo:
        with self._lock:
            found = self._room(room)
            return MediaRoomInfo(
                room=room,
                record=found.record,
                lock_record=found.lock_record,
                rec_dir=found.rec_dir,
                participants=len(found.participants),
                max_publishers=found.publishers,
            )

    def room_pin(self, *, room: int) -> str:
        return tokens.room_pin(key=self._room_key, room=room)

    def join_token(
        self, *, user_id: str, ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    ) -> str:
        del user_id
        return tokens.janus_token(
            secret=self._token_secret,
            plugins=[VIDEOROOM],
            expires_at=int(time.time()) + ttl_seconds,
        )

    def set_recording(self, *, room: int, record: bool) -> None:
        with self._lock:
            found = self._room(room)
            found.record = record
            for who in found.participants.values():
                if record and who.streams:
                    self._start_recording(found, who)
                elif not record:
                    for stream in who.streams:
                        stream.recording = None

    def moderate(
        self, *, room: int, participant: int, mute_audio: bool, mute_video: bool
    ) -> None:
        with self._lock:
            who = self._participant(room, participant)
            for stream in who.streams:
                stream.muted = mute_audio if stream.kind == "audio" else mute_video

    def kick(self, *, room: int, participant: int) -> None:
        with self._lock:
            self._participant(room, participant)
            del self._rooms[room].participants[participant]

    def list_participants(self, *, room: int) -> list[MediaParticipant]:
        with self._lock:
            return [
                MediaParticipant(id=p.id, display=p.display, publisher=bool(p.streams))
                for p in self._room(room).participants.values()
            ]

    def recording_status(self, *, room: int) -> dict[int, str | None]:
        with self._lock:
            status: dict[int, str | None] = {}
            for who in self._room(room).participants.values():
                if not who.streams:
                    continue
                files = [s.recording for s in who.streams]
                status[who.id] = files[0] if all(files) else None
            return status

    # -- the browser's part, for tests ----------------------------------------

    def attach(self, *, token: str, plugin: str) -> int:
        """Create a session and attach ``plugin`` as a browser would: 0, 403 or 405."""
        now = int(time.time())
        status = tokens.check_janus_token(
            token, secret=self._token_secret, plugin=None, now=now
        )
        if status:
            return status
        return tokens.check_janus_token(
            token, secret=self._token_secret, plugin=plugin, now=now
        )

    def join(self, *, room: int, display: str, pin: str, opaque_id: str = "") -> int:
        """Join ``room`` as a publisher (no media yet); return the participant id."""
        with self._lock:
            found = self._room(room)
            if not secrets.compare_digest(pin, self.room_pin(room=room)):
                raise MediaError(
                    MediaErrorCode.UNAUTHORIZED,
                    "Unauthorized (wrong pin)",
                    janus_code=433,
                )
            participant = next(self._ids)
            found.participants[participant] = _Participant(
                participant, display, opaque_id
            )
            return participant

    def publish(
        self,
        *,
        room: int,
        participant: int,
        kinds: tuple[str, ...] = ("audio", "video"),
    ) -> None:
        """Start publishing: new streams, new recording files when the room records."""
        with self._lock:
            who = self._participant(room, participant)
            who.streams = [_Stream(str(i), kind) for i, kind in enumerate(kinds)]
            if self._rooms[room].record:
                self._start_recording(self._rooms[room], who)

    def break_recording(self, *, room: int, participant: int) -> None:
        """Simulate a recording that silently stopped (disk full, protected folder)."""
        with self._lock:
            for stream in self._participant(room, participant).streams:
                stream.recording = None

    def iter_handles(self) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """Like Janus's admin API walk: one session and one handle per participant."""
        with self._lock:
            rows = [
                (
                    who.id,
                    who.id,
                    {
                        "opaque_id": who.opaque_id,
                        "plugin": VIDEOROOM,
                        "plugin_specific": {
                            "type": "publisher",
                            "room": room.room,
                            "id": who.id,
                        },
                    },
                )
                for room in self._rooms.values()
                for who in room.participants.values()
            ]
        yield from rows

    def is_muted(self, *, room: int, participant: int) -> dict[str, bool]:
        with self._lock:
            return {
                s.kind: s.muted for s in self._participant(room, participant).streams
            }


_shared: FakeMediaServer | None = None
_shared_lock = threading.Lock()
