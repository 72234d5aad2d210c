"""Read Janus event-handler events as typed values; the signals they lead to.

:func:`parse` turns the ``event`` body of one raw Janus event into one of the typed
facts below (or ``None`` for noise like JSEP), and :class:`MediaSignal` is the plain
value the attendance and incident services receive. This module is pure: no Django,
no database (an import-linter contract says so), so reading Janus's JSON can be
checked on its own. :mod:`prachum.media.traffic` stores the facts as traffic rows,
resolving what only earlier rows know (the handle's opaque id, the client address).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from prachum.media import webhooks
from prachum.media.protocol import VIDEOROOM

_PAIR = re.compile(
    r"^(?P<laddr>\S+):(?P<lport>\d+) \[(?P<ltype>[\w-]+),(?P<lproto>\w+)\]"
    r" <-> (?P<raddr>\S+):(?P<rport>\d+) \[(?P<rtype>[\w-]+),(?P<rproto>\w+)\]$"
)
# The statistics kept from a media stats event besides the byte counts.
_STATS_FIGURES = ("rtt", "lost", "lost-by-remote", "jitter-local", "jitter-remote")
# The VideoRoom participant events that bound a presence in the room.
ROOM_EVENTS = frozenset({"joined", "published", "unpublished", "leaving", "kicked"})


class SignalKind:
    """What a signal means for attendance and incidents (see :class:`MediaSignal`)."""

    JOINED = "media_joined"  # joined the meeting's room (publisher handle)
    LEFT = "media_left"  # left, was kicked, or vanished (reconciliation)
    UP = "media_up"  # WebRTC connection established
    DOWN = "media_down"  # WebRTC connection hung up (detail: reason)
    STOPPED = "media_stopped"  # no media received for no_media_timer seconds
    RESUMED = "media_resumed"  # media flowing again
    SLOW_LINK = "slow_link"  # packet loss above slowlink_threshold
    ICE_FAILED = "ice_failed"  # could not connect (network, firewall)
    UNSEEN = "unseen_handle"  # live in Janus, never announced by an event
    SERVER_RESTARTED = "media_server_restarted"  # every media connection was lost


@dataclass(frozen=True)
class MediaSignal:
    """One input for the attendance and incident services.

    ``meeting_key``, ``user_key`` and ``connection_key`` come from the handle's opaque
    id as the client sent it: the consumer must check that the user belongs to the
    meeting (and the connection to the user) before acting on a signal. A
    ``media_server_restarted`` signal has no meeting or user: it concerns every meeting
    on ``server``.

    Suggested wiring: ``media_joined``/``media_left`` bound media presence intervals
    (with a no-media timer on ``media_stopped``); ``media_down``, ``ice_failed``,
    ``slow_link``, ``unseen_handle`` and ``media_server_restarted`` become incidents
    (kind ``connection_lost``/``other``) and traffic-data lines.
    """

    kind: str
    at: dt.datetime
    server: str
    meeting_key: str = ""
    user_key: str = ""
    connection_key: str = ""
    session_id: int | None = None
    handle_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionEvent:
    """A Janus session was ``created``, ``destroyed`` or timed out (``timeout``)."""

    name: str
    transport_id: str = ""  # created only: the transport instance it came through
    transport: Any = ""  # created only: the transport plugin's name


@dataclass(frozen=True)
class HandleEvent:
    """A plugin handle was ``attached`` or ``detached``."""

    name: str
    opaque_id: str
    plugin: Any
    token: Any = None


@dataclass(frozen=True)
class IceState:
    state: str


@dataclass(frozen=True)
class SelectedPair:
    """The ICE candidate pair in use: the client's address as Janus saw it."""

    candidate_types: str  # "<local type>-<remote type>", e.g. "host-srflx"
    local_address: str | None
    local_port: int | None
    remote_address: str | None
    remote_port: int | None
    detail: dict[str, Any]  # the pair as sent, mDNS names included


@dataclass(frozen=True)
class DtlsState:
    state: str


@dataclass(frozen=True)
class WebrtcUp:
    pass


@dataclass(frozen=True)
class Hangup:
    reason: Any


@dataclass(frozen=True)
class MediaReceiving:
    """Media started or stopped flowing (Janus's no_media_timer)."""

    media: str
    receiving: bool
    mid: Any
    seconds: Any


@dataclass(frozen=True)
class SlowLink:
    media: str
    direction: str
    mid: Any
    lost_lastsec: Any


@dataclass(frozen=True)
class MediaStats:
    media: str
    stream: str  # "<mid>/<media>": one stream of the handle
    bytes_received: int | None
    bytes_sent: int | None
    figures: dict[str, Any]


@dataclass(frozen=True)
class RoomEvent:
    """A VideoRoom participant event (one of :data:`ROOM_EVENTS`)."""

    name: str
    room: int
    participant: int
    detail: dict[str, Any]


@dataclass(frozen=True)
class TransportEvent:
    """A client ``connected``, made a ``request`` or ``disconnected`` on a transport."""

    name: str
    transport_id: str
    remote_address: str | None
    remote_port: int | None
    transport: Any


@dataclass(frozen=True)
class ServerStatus:
    status: str  # "started" or "shutdown"


JanusFact = (
    SessionEvent
    | HandleEvent
    | IceState
    | SelectedPair
    | DtlsState
    | WebrtcUp
    | Hangup
    | MediaReceiving
    | SlowLink
    | MediaStats
    | RoomEvent
    | TransportEvent
    | ServerStatus
)


def event_time(timestamp_us: int) -> dt.datetime:
    """When Janus says an event happened (microseconds since the epoch)."""
    return dt.datetime.fromtimestamp(timestamp_us / 1_000_000, tz=dt.UTC)


def _ip(value: Any) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return None  # an mDNS name or garbage: kept in ``detail`` only


def _port(value: Any) -> int | None:
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 < port < 65536 else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def parse_selected_pair(event: dict[str, Any]) -> dict[str, Any]:
    """Addresses, ports and candidate types of an ICE ``selected-pair`` event."""
    out: dict[str, Any] = {}
    candidates = event.get("candidates")
    if isinstance(candidates, dict):
        local = candidates.get("local") or {}
        remote = candidates.get("remote") or {}
        out = {
            "local_address": local.get("address"),
            "local_port": local.get("port"),
            "local_type": local.get("type"),
            "remote_address": remote.get("address"),
            "remote_port": remote.get("port"),
            "remote_type": remote.get("type"),
            "transport": remote.get("transport") or local.get("transport"),
        }
    pair = event.get("selected-pair")
    match = _PAIR.match(pair) if isinstance(pair, str) else None
    if match and not out.get("remote_address"):
        out = {
            "local_address": match["laddr"],
            "local_port": match["lport"],
            "local_type": match["ltype"],
            "remote_address": match["raddr"],
            "remote_port": match["rport"],
            "remote_type": match["rtype"],
            "transport": match["rproto"],
        }
    return out


def parse(event_type: int, body: dict[str, Any]) -> JanusFact | None:
    """The fact one raw event's ``event`` body states (``None`` for noise)."""
    parser = _PARSERS.get(event_type)
    return parser(body) if parser else None


def _session(body: dict[str, Any]) -> JanusFact | None:
    name = body.get("name")
    if name == "created":
        transport = body.get("transport") or {}
        return SessionEvent(
            name=name,
            transport_id=str(transport.get("id", "")),
            transport=transport.get("transport", ""),
        )
    if name in ("destroyed", "timeout"):
        return SessionEvent(name=name)
    return None


def _handle(body: dict[str, Any]) -> JanusFact | None:
    name = body.get("name")
    if name not in ("attached", "detached"):
        return None
    return HandleEvent(
        name=name,
        opaque_id=str(body.get("opaque_id") or ""),
        plugin=body.get("plugin", ""),
        token=body.get("token"),
    )


def _webrtc(body: dict[str, Any]) -> JanusFact | None:
    if "ice" in body:
        return IceState(state=str(body["ice"])[:40])
    if "selected-pair" in body:
        pair = parse_selected_pair(body)
        return SelectedPair(
            candidate_types=f"{pair.get('local_type')}-{pair.get('remote_type')}"[:40],
            local_address=_ip(pair.get("local_address")),
            local_port=_port(pair.get("local_port")),
            remote_address=_ip(pair.get("remote_address")),
            remote_port=_port(pair.get("remote_port")),
            detail={"selected_pair": body.get("selected-pair"), **pair},
        )
    if "dtls" in body:
        return DtlsState(state=str(body["dtls"])[:40])
    connection = body.get("connection")
    if connection == "webrtcup":
        return WebrtcUp()
    if connection == "hangup":
        return Hangup(reason=body.get("reason", ""))
    return None


def _media(body: dict[str, Any]) -> JanusFact | None:
    media = str(body.get("media", ""))[:20]
    if "receiving" in body:
        return MediaReceiving(
            media=media,
            receiving=bool(body["receiving"]),
            mid=body.get("mid"),
            seconds=body.get("seconds"),
        )
    if "slow_link" in body:
        return SlowLink(
            media=media,
            direction=str(body["slow_link"])[:40],
            mid=body.get("mid"),
            lost_lastsec=body.get("lost_lastsec"),
        )
    if "bytes-received" in body:
        return MediaStats(
            media=media,
            stream=f"{body.get('mid', '')}/{media}",
            bytes_received=_count(body.get("bytes-received")),
            bytes_sent=_count(body.get("bytes-sent")),
            figures={k: body.get(k) for k in _STATS_FIGURES if k in body},
        )
    return None


def _plugin(body: dict[str, Any]) -> JanusFact | None:
    if body.get("plugin") != VIDEOROOM:
        return None
    data = body.get("data") or {}
    name = str(data.get("event"))
    room, participant = data.get("room"), data.get("id")
    if (
        name not in ROOM_EVENTS
        or not isinstance(room, int)
        or not isinstance(participant, int)
    ):
        return None
    return RoomEvent(
        name=name,
        room=room,
        participant=participant,
        detail={"display": data.get("display")} if "display" in data else {},
    )


def _transport(body: dict[str, Any]) -> JanusFact | None:
    data = body.get("data") or {}
    if data.get("admin_api"):
        return None  # the web app's own calls
    name = str(data.get("event"))[:40]
    if name not in ("connected", "request", "disconnected"):
        return None
    return TransportEvent(
        name=name,
        transport_id=str(body.get("id", ""))[:40],
        remote_address=_ip(data.get("ip")),
        remote_port=_port(data.get("port")),
        transport=body.get("transport", ""),
    )


def _core(body: dict[str, Any]) -> JanusFact | None:
    status = body.get("status")
    if status in ("started", "shutdown"):
        return ServerStatus(status=status)
    return None


_PARSERS = {
    webhooks.TYPE_SESSION: _session,
    webhooks.TYPE_HANDLE: _handle,
    webhooks.TYPE_WEBRTC: _webrtc,
    webhooks.TYPE_MEDIA: _media,
    webhooks.TYPE_PLUGIN: _plugin,
    webhooks.TYPE_TRANSPORT: _transport,
    webhooks.TYPE_CORE: _core,
}
