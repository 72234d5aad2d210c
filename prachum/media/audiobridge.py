"""Janus AudioBridge: the meeting's audio room for SIP callers (issue 17).

Room management (create, destroy, mute, kick, list, RTP forwarders) goes through the
admin API's ``message_plugin`` with the plugin's ``admin_key``, like the VideoRoom in
:mod:`prachum.media.janus`. A *leg* is a plain-RTP participant: it needs a Janus
session and handle of its own (``join`` is asynchronous), kept alive by a thread that
long-polls the session's events (guide sip.md §1.4). Janus sends RTP to the leg's
declared ``rtp_ip:rtp_port`` and accepts RTP only *from* there (its socket is
``connect()``-ed), after the first valid packet.

Calls are synchronous (``urllib``, short timeouts); the SIP gateway calls them through
``asyncio.to_thread``. A caller's leg records itself (``record``, ``filename``) into the
room's ``mjrs_dir`` (the meeting's recordings folder): name it with
:func:`leg_recording_name` so the post-processing attributes the track to the member.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from prachum.media import tokens
from prachum.media.audiobridge_leg import (
    AUDIOBRIDGE,
    DEFAULT_TIMEOUT_SECONDS,
    KEEPALIVE_SECONDS,
    AudioBridgeLeg,
    Json,
    http_request,
    plugin_error,
)
from prachum.media.protocol import MediaError, MediaErrorCode, MediaParticipant

__all__ = [
    "AUDIOBRIDGE",
    "GROUPS",
    "OPUS_PT",
    "SAMPLING_RATE",
    "AudioBridge",
    "AudioBridgeLeg",
    "Forwarder",
    "leg_recording_name",
    "new_participant_id",
]

SAMPLING_RATE = 16000
GROUPS = ("sip", "webrtc")
#: Opus payload type of the legs and forwarders we make (any dynamic one would do).
OPUS_PT = 111
_G711_PT = {"pcma": 8, "pcmu": 0}


def new_participant_id() -> int:
    """A random participant id below 2**53 (ids travel through JavaScript)."""
    return secrets.randbelow(2**53 - 1) + 1


def leg_recording_name(*, room: int, participant: int, user_key: str) -> str:
    """The ``filename`` of a caller's leg: Janus adds ``-audio.mjr``.

    ``sip-<room>-user-<participant>-<µs now>-member-<user_key>``: the post-processing
    (:mod:`prachum.media.postprocess`) reads the member from it, so the caller's track
    is attributed like a browser's (only the server names recordings: the AudioBridge
    takes joins from the server alone).
    """
    if not tokens.is_opaque_part(user_key):
        raise ValueError(f"invalid user key: {user_key!r}")
    stamp = time.time_ns() // 1000
    return f"sip-{room}-user-{participant}-{stamp}-member-{user_key}"


@dataclass(frozen=True)
class Forwarder:
    """An AudioBridge RTP forwarder (``stream_id``) of a group's mix."""

    stream_id: int
    host: str
    port: int
    group: str
    ssrc: int
    codec: str


class AudioBridge:
    """One Janus server's AudioBridge, managed with the admin API and its admin key."""

    def __init__(
        self,
        *,
        http_url: str,
        admin_url: str,
        admin_secret: str,
        api_secret: str,
        room_admin_key: str,
        name: str = "janus-1",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        """``keepalive_seconds`` must stay below Janus's ``session_timeout``."""
        self.http_url = http_url.rstrip("/")
        self.admin_url = admin_url.rstrip("/")
        self.name = name
        self.keepalive_seconds = keepalive_seconds
        self._admin_secret = admin_secret
        self._api_secret = api_secret
        self._room_key = room_admin_key
        self._timeout = timeout

    @classmethod
    def from_settings(cls) -> AudioBridge:
        from django.conf import settings

        return cls(
            http_url=settings.JANUS_HTTP_URL,
            admin_url=settings.JANUS_ADMIN_URL,
            admin_secret=settings.JANUS_ADMIN_SECRET,
            api_secret=settings.JANUS_API_SECRET,
            room_admin_key=settings.JANUS_ROOM_ADMIN_KEY,
            name=settings.JANUS_SERVER_NAME,
        )

    # -- transport ------------------------------------------------------------

    def request(self, body: Json) -> Json:
        """One synchronous AudioBridge request through the admin API."""
        answer = http_request(
            self.admin_url,
            {
                "janus": "message_plugin",
                "plugin": AUDIOBRIDGE,
                "request": body,
                "admin_secret": self._admin_secret,
            },
            self._timeout,
        )
        response = answer.get("response")
        if not isinstance(response, dict):
            raise MediaError(
                MediaErrorCode.BAD_RESPONSE, "AudioBridge sent no response"
            )
        error = plugin_error(response)
        if error is not None:
            raise error
        return response

    def room_secret(self, room: int) -> str:
        return _derive(self._room_key, "audiobridge-secret", room)

    def room_pin(self, room: int) -> str:
        """Only the server joins the AudioBridge (browsers' tokens cannot attach it)."""
        return _derive(self._room_key, "audiobridge-pin", room)

    # -- rooms ----------------------------------------------------------------

    def ensure_room(self, *, meeting_id: str, rec_dir: str) -> int:
        """Create the meeting's AudioBridge room if missing; return its id.

        The id is the VideoRoom's (another plugin: no clash). Plain-RTP participants
        allowed; no room mix recording and no ``mjrs`` for all (each caller's leg
        records itself into ``rec_dir``, the webrtc relay legs do not); 16 kHz
        mixing; groups ``sip`` and ``webrtc`` for the forwarders.
        """
        room = tokens.room_id_for(meeting_id)
        try:
            self.request(
                {
                    "request": "create",
                    "room": room,
                    "admin_key": self._room_key,
                    "secret": self.room_secret(room),
                    "pin": self.room_pin(room),
                    "is_private": True,
                    "permanent": False,
                    "sampling_rate": SAMPLING_RATE,
                    "allow_rtp_participants": True,
                    "groups": list(GROUPS),
                    "record": False,
                    "mjrs": False,
                    "mjrs_dir": rec_dir,
                }
            )
        except MediaError as exc:
            if exc.code != MediaErrorCode.ROOM_EXISTS:
                raise
            self.request(
                {
                    "request": "edit",
                    "room": room,
                    "secret": self.room_secret(room),
                    "new_mjrs_dir": rec_dir,
                }
            )
        return room

    def destroy_room(self, *, room: int) -> None:
        self.request(
            {"request": "destroy", "room": room, "secret": self.room_secret(room)}
        )

    def exists(self, *, room: int) -> bool:
        answer = self.request(
            {"request": "exists", "room": room, "admin_key": self._room_key}
        )
        return bool(answer.get("exists"))

    # -- participants ---------------------------------------------------------

    def mute(self, *, room: int, participant: int, muted: bool) -> None:
        self.request(
            {
                "request": "mute" if muted else "unmute",
                "room": room,
                "secret": self.room_secret(room),
                "id": participant,
            }
        )

    def kick(self, *, room: int, participant: int) -> None:
        self.request(
            {
                "request": "kick",
                "room": room,
                "secret": self.room_secret(room),
                "id": participant,
            }
        )

    def list_participants(self, *, room: int) -> list[MediaParticipant]:
        answer = self.request({"request": "listparticipants", "room": room})
        return [
            MediaParticipant(
                id=int(item["id"]),
                display=str(item.get("display", "")),
                publisher=True,
                talking=item.get("talking"),
                muted=bool(item.get("muted")),
            )
            for item in answer.get("participants", [])
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
    ) -> AudioBridgeLeg:
        """Join ``room`` as a plain-RTP participant with a Janus session of its own.

        ``codec`` is ``pcma``, ``pcmu`` or ``opus`` (``payload_type`` for Opus,
        default :data:`OPUS_PT`); ``rtp_ip:rtp_port`` is where Janus sends the leg's
        mix and the only source it accepts. ``participant_id`` (default random) lets
        the caller name the recording first (:func:`leg_recording_name`).
        """
        if codec not in ("pcma", "pcmu", "opus"):
            raise ValueError(f"AudioBridge legs take pcma, pcmu or opus, not {codec}")
        rtp: Json = {"ip": rtp_ip, "port": int(rtp_port)}
        rtp["payload_type"] = (
            _G711_PT[codec] if codec != "opus" else (payload_type or OPUS_PT)
        )
        body: Json = {
            "request": "join",
            "room": room,
            "id": participant_id or new_participant_id(),
            "pin": self.room_pin(room),
            "display": display,
            "group": group,
            "codec": codec,
            "record": bool(record),
            "rtp": rtp,
        }
        if record and filename:
            body["filename"] = filename
        leg = AudioBridgeLeg(
            http_url=self.http_url,
            api_secret=self._api_secret,
            room=room,
            timeout=self._timeout,
            keepalive_seconds=self.keepalive_seconds,
        )
        try:
            leg.join(body)
        except BaseException:
            leg.close()
            raise
        return leg

    def leg_recording(self, leg: AudioBridgeLeg) -> str | None:
        """The file the leg is being recorded to, or None (Janus does not say when a
        recording fails: a protected folder, a full disk — only this tells)."""
        answer = http_request(
            f"{self.admin_url}/{leg.session_id}/{leg.handle_id}",
            {"janus": "handle_info", "admin_secret": self._admin_secret},
            self._timeout,
        )
        specific = (answer.get("info") or {}).get("plugin_specific") or {}
        recording = specific.get("audio-recording")
        return str(recording) if recording else None

    # -- forwarders -----------------------------------------------------------

    def rtp_forward(
        self,
        *,
        room: int,
        host: str,
        port: int,
        group: str | None = None,
        codec: str = "opus",
        ssrc: int = 0,
        payload_type: int = OPUS_PT,
        always_on: bool = True,
    ) -> Forwarder:
        """Forward the room's mix (of ``group`` only, if given) as RTP to host:port."""
        body: Json = {
            "request": "rtp_forward",
            "room": room,
            "admin_key": self._room_key,
            "secret": self.room_secret(room),
            "host": host,
            "port": int(port),
            "codec": codec,
            "ptype": payload_type,
            "always_on": always_on,
        }
        if ssrc:
            body["ssrc"] = ssrc
        if group:
            body["group"] = group
        answer = self.request(body)
        return Forwarder(
            stream_id=int(answer["stream_id"]),
            host=host,
            port=int(port),
            group=group or "",
            ssrc=ssrc,
            codec=codec,
        )

    def stop_rtp_forward(self, *, room: int, stream_id: int) -> None:
        self.request(
            {
                "request": "stop_rtp_forward",
                "room": room,
                "admin_key": self._room_key,
                "secret": self.room_secret(room),
                "stream_id": stream_id,
            }
        )

    def list_forwarders(self, *, room: int) -> list[Json]:
        answer = self.request(
            {
                "request": "listforwarders",
                "room": room,
                "secret": self.room_secret(room),
            }
        )
        return list(answer.get("rtp_forwarders") or [])


def _derive(secret: str, purpose: str, room: int) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{room}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
