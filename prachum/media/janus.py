"""Janus (Debian's 1.1.2, VideoRoom plugin) behind the :class:`MediaServer` protocol.

Room management goes through the admin API's ``message_plugin`` request: one HTTP
call, no Janus session of the server's own (so nothing of ours shows up in the event
stream or in the reconciliation as a stray session). Browsers use the Janus API with
the join tokens signed here. Everything is plain ``urllib`` with timeouts: services
call this synchronously after commit.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, cast

from prachum.media import tokens
from prachum.media.protocol import (
    DEFAULT_TOKEN_TTL_SECONDS,
    VIDEOROOM,
    MediaError,
    MediaErrorCode,
    MediaHealth,
    MediaParticipant,
    MediaRoomInfo,
)

DEFAULT_TIMEOUT_SECONDS = 5.0

# VideoRoom error codes (janus_videoroom.c) that callers tell apart.
_VIDEOROOM_ERRORS = {
    426: MediaErrorCode.NO_SUCH_ROOM,
    427: MediaErrorCode.ROOM_EXISTS,
    428: MediaErrorCode.NO_SUCH_PARTICIPANT,
    433: MediaErrorCode.UNAUTHORIZED,
}
# Core error codes (apierror.h).
_CORE_ERRORS = {
    403: MediaErrorCode.UNAUTHORIZED,
    458: MediaErrorCode.NO_SUCH_PARTICIPANT,  # no such session (gone meanwhile)
    459: MediaErrorCode.NO_SUCH_PARTICIPANT,  # no such handle (gone meanwhile)
}

Json = dict[str, Any]


class JanusMediaServer:
    """One Janus instance reached over its HTTP Janus API and admin API."""

    def __init__(
        self,
        *,
        http_url: str,
        admin_url: str,
        admin_secret: str,
        token_secret: str,
        room_admin_key: str,
        name: str = "janus-1",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.http_url = http_url.rstrip("/")
        self.admin_url = admin_url.rstrip("/")
        self.name = name
        self._admin_secret = admin_secret
        self._token_secret = token_secret
        self._room_key = room_admin_key
        self._timeout = timeout

    @classmethod
    def from_settings(cls) -> JanusMediaServer:
        from django.conf import settings

        return cls(
            http_url=settings.JANUS_HTTP_URL,
            admin_url=settings.JANUS_ADMIN_URL,
            admin_secret=settings.JANUS_ADMIN_SECRET,
            token_secret=settings.JANUS_TOKEN_SECRET,
            room_admin_key=settings.JANUS_ROOM_ADMIN_KEY,
            name=settings.JANUS_SERVER_NAME,
        )

    # -- transport ------------------------------------------------------------

    def _post(self, url: str, body: Json) -> Json:
        payload = json.dumps({"transaction": secrets.token_hex(8), **body}).encode()
        request = urllib.request.Request(
            url,
            data=payload,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                raw = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise MediaError(
                MediaErrorCode.UNREACHABLE, f"Janus at {url} unreachable: {exc}"
            ) from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise MediaError(
                MediaErrorCode.BAD_RESPONSE, f"Janus at {url} sent no JSON"
            ) from exc
        if not isinstance(answer, dict):
            raise MediaError(MediaErrorCode.BAD_RESPONSE, "Janus sent a non-object")
        if answer.get("janus") == "error":
            error = answer.get("error") or {}
            code = int(error.get("code", 0))
            raise MediaError(
                _CORE_ERRORS.get(code, MediaErrorCode.REFUSED),
                str(error.get("reason", "Janus error")),
                janus_code=code,
            )
        return cast(Json, answer)

    def _admin(self, body: Json, *, path: str = "") -> Json:
        return self._post(
            self.admin_url + path, {**body, "admin_secret": self._admin_secret}
        )

    def _videoroom(self, request: Json) -> Json:
        answer = self._admin(
            {"janus": "message_plugin", "plugin": VIDEOROOM, "request": request}
        )
        response = answer.get("response")
        if not isinstance(response, dict):
            raise MediaError(MediaErrorCode.BAD_RESPONSE, "VideoRoom sent no response")
        if "error_code" in response:
            code = int(response["error_code"])
            raise MediaError(
                _VIDEOROOM_ERRORS.get(code, MediaErrorCode.REFUSED),
                str(response.get("error", "VideoRoom error")),
                janus_code=code,
            )
        return response

    def _secret(self, room: int) -> str:
        return tokens.room_secret(key=self._room_key, room=room)

    # -- admin API walks ------------------------------------------------------

    def list_sessions(self) -> list[int]:
        return [int(s) for s in self._admin({"janus": "list_sessions"})["sessions"]]

    def list_handles(self, session: int) -> list[int]:
        answer = self._admin({"janus": "list_handles"}, path=f"/{session}")
        return [int(h) for h in answer.get("handles", [])]

    def handle_info(self, session: int, handle: int) -> Json:
        answer = self._admin({"janus": "handle_info"}, path=f"/{session}/{handle}")
        return cast(Json, answer.get("info") or {})

    def iter_handles(self) -> Iterator[tuple[int, int, Json]]:
        """Every live handle as ``(session, handle, handle_info)``.

        Sessions and handles may vanish between calls; those are skipped.
        """
        for session in self.list_sessions():
            try:
                handles = self.list_handles(session)
            except MediaError as exc:
                if exc.janus_code in (458, 459):
                    continue
                raise
            for handle in handles:
                try:
                    info = self.handle_info(session, handle)
                except MediaError as exc:
                    if exc.janus_code in (458, 459):
                        continue
                    raise
                yield session, handle, info

    def _room_publishers(self, room: int) -> dict[int, Json]:
        """``plugin_specific`` of each publisher handle in ``room``, by participant."""
        found: dict[int, Json] = {}
        for _session, _handle, info in self.iter_handles():
            if info.get("plugin") != VIDEOROOM:
                continue
            specific = info.get("plugin_specific") or {}
            if specific.get("type") != "publisher" or specific.get("room") != room:
                continue
            if specific.get("id") is not None:
                found[int(specific["id"])] = specific
        return found

    # -- MediaServer ----------------------------------------------------------

    def health(self) -> MediaHealth:
        try:
            info = self._post(self.http_url, {"janus": "info"})
        except MediaError as exc:
            return MediaHealth(reachable=False, error=exc.message)
        version = str(info.get("version_string", ""))
        try:
            sessions = len(self.list_sessions())
        except MediaError as exc:
            return MediaHealth(
                reachable=False, version=version, error=f"admin API: {exc.message}"
            )
        return MediaHealth(reachable=True, version=version, sessions=sessions)

    def ensure_room(
        self, *, meeting_id: str, record: bool, rec_dir: str, publishers: int
    ) -> int:
        room = tokens.room_id_for(meeting_id)
        try:
            self._videoroom(
                {
                    "request": "create",
                    "room": room,
                    "admin_key": self._room_key,
                    "secret": self._secret(room),
                    "pin": self.room_pin(room=room),
                    "is_private": True,
                    "permanent": False,
                    "publishers": publishers,
                    "audiocodec": "opus",
                    "videocodec": "vp8",
                    "record": record,
                    "rec_dir": rec_dir,
                    "lock_record": True,
                    "notify_joining": True,
                    "require_pvtid": True,
                }
            )
        except MediaError as exc:
            if exc.code != MediaErrorCode.ROOM_EXISTS:
                raise
            self._videoroom(
                {
                    "request": "edit",
                    "room": room,
                    "secret": self._secret(room),
                    "new_rec_dir": rec_dir,
                    "new_lock_record": True,
                    "new_publishers": publishers,
                }
            )
            self.set_recording(room=room, record=record)
        return room

    def destroy_room(self, *, room: int) -> None:
        self._videoroom(
            {"request": "destroy", "room": room, "secret": self._secret(room)}
        )

    def room_info(self, *, room: int) -> MediaRoomInfo:
        answer = self._videoroom({"request": "list", "admin_key": self._room_key})
        for item in answer.get("list", []):
            if item.get("room") == room:
                return MediaRoomInfo(
                    room=room,
                    record=bool(item.get("record")),
                    lock_record=bool(item.get("lock_record")),
                    rec_dir=str(item.get("rec_dir", "")),
                    participants=int(item.get("num_participants", 0)),
                    max_publishers=int(item.get("max_publishers", 0)),
                )
        raise MediaError(
            MediaErrorCode.NO_SUCH_ROOM, f"No such room ({room})", janus_code=426
        )

    def room_pin(self, *, room: int) -> str:
        return tokens.room_pin(key=self._room_key, room=room)

    def join_token(
        self, *, user_id: str, ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    ) -> str:
        # The user id is not part of Janus's token format; who got a token is
        # recorded by the caller, and the handle's opaque id names the user.
        del user_id
        return tokens.janus_token(
            secret=self._token_secret,
            plugins=[VIDEOROOM],
            expires_at=int(time.time()) + ttl_seconds,
        )

    def set_recording(self, *, room: int, record: bool) -> None:
        self._videoroom(
            {
                "request": "enable_recording",
                "room": room,
                "secret": self._secret(room),
                "record": record,
            }
        )

    def moderate(
        self, *, room: int, participant: int, mute_audio: bool, mute_video: bool
    ) -> None:
        publisher = self._room_publishers(room).get(participant)
        if publisher is None:
            # Let Janus tell "no such room" from "no such participant".
            self._videoroom(
                {
                    "request": "moderate",
                    "room": room,
                    "secret": self._secret(room),
                    "id": participant,
                    "mid": "0",
                    "mute": mute_audio,
                }
            )
            return
        for stream in publisher.get("streams") or []:
            kind = stream.get("type")
            if kind not in ("audio", "video") or stream.get("mid") is None:
                continue
            self._videoroom(
                {
                    "request": "moderate",
                    "room": room,
                    "secret": self._secret(room),
                    "id": participant,
                    "mid": str(stream["mid"]),
                    "mute": mute_audio if kind == "audio" else mute_video,
                }
            )

    def kick(self, *, room: int, participant: int) -> None:
        self._videoroom(
            {
                "request": "kick",
                "room": room,
                "secret": self._secret(room),
                "id": participant,
            }
        )

    def list_participants(self, *, room: int) -> list[MediaParticipant]:
        answer = self._videoroom({"request": "listparticipants", "room": room})
        return [
            MediaParticipant(
                id=int(item["id"]),
                display=str(item.get("display", "")),
                publisher=bool(item.get("publisher")),
                talking=item.get("talking"),
            )
            for item in answer.get("participants", [])
        ]

    def recording_status(self, *, room: int) -> dict[int, str | None]:
        self.room_info(room=room)  # NO_SUCH_ROOM for a missing room
        status: dict[int, str | None] = {}
        for participant, specific in self._room_publishers(room).items():
            streams = [
                s
                for s in specific.get("streams") or []
                if s.get("type") in ("audio", "video") and not s.get("disabled")
            ]
            if not streams:
                continue  # joined, not publishing: nothing to record
            files = [s.get("recording") for s in streams]
            status[participant] = (
                str(files[0]) if all(files) and files[0] is not None else None
            )
        return status

    # -- bridging to the AudioBridge (prachum.media.bridge) --------------------

    def add_remote_publisher(
        self, *, room: int, display: str, iface: str, streams: list[Json]
    ) -> Json:
        """A remote publisher fed by plain RTP; Janus answers its ``ip``/``port``.

        RTP for stream ``mindex`` must carry SSRC ``1000 + 10 * mindex``
        (guide sip.md §1.5). ``iface`` keeps its socket off other interfaces.
        """
        return self._videoroom(
            {
                "request": "add_remote_publisher",
                "room": room,
                "secret": self._secret(room),
                "admin_key": self._room_key,
                "display": display,
                "iface": iface,
                "streams": streams,
            }
        )

    def remove_remote_publisher(self, *, room: int, participant: int) -> None:
        self._videoroom(
            {
                "request": "remove_remote_publisher",
                "room": room,
                "secret": self._secret(room),
                "id": participant,
            }
        )

    def publisher_streams(self, *, room: int) -> dict[int, list[Json]]:
        """The streams (``type``, ``mid``...) each WebRTC publisher of ``room`` sends."""
        return {
            participant: [
                s for s in specific.get("streams") or [] if not s.get("disabled")
            ]
            for participant, specific in self._room_publishers(room).items()
        }

    def rtp_forward(
        self, *, room: int, publisher: int, host: str, streams: list[Json]
    ) -> list[Json]:
        """Forward a publisher's streams (``mid``, ``port``, ``pt``...) as RTP."""
        answer = self._videoroom(
            {
                "request": "rtp_forward",
                "room": room,
                "publisher_id": publisher,
                "secret": self._secret(room),
                "admin_key": self._room_key,
                "host": host,
                "streams": streams,
            }
        )
        return list(answer.get("forwarders") or [])

    def list_forwarders(self, *, room: int) -> dict[int, list[Json]]:
        """The RTP forwarders of ``room``, by publisher."""
        answer = self._videoroom(
            {"request": "listforwarders", "room": room, "secret": self._secret(room)}
        )
        return {
            int(item["publisher_id"]): list(item.get("forwarders") or [])
            for item in answer.get("publishers") or []
        }

    def stop_rtp_forward(self, *, room: int, publisher: int, stream_id: int) -> None:
        self._videoroom(
            {
                "request": "stop_rtp_forward",
                "room": room,
                "publisher_id": publisher,
                "stream_id": stream_id,
                "secret": self._secret(room),
                "admin_key": self._room_key,
            }
        )
