"""Turn the raw Janus event log into traffic data, and traffic data into signals.

:func:`process_events` is called by the worker (and by tests): it reads the raw events
not processed yet, appends :class:`~prachum.media.models.MediaTrafficRecord` rows (ICE
candidate pair addresses, DTLS state, media up/down, slow link, bytes, room joins and
leaves) and returns :class:`MediaSignal` values: the inputs the attendance and incident
services need, as plain data (this package imports no app).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.media import webhooks
from prachum.media.models import (
    EventCursor,
    JanusEvent,
    MediaTrafficRecord,
    TrafficKind,
)
from prachum.media.protocol import VIDEOROOM
from prachum.media.tokens import parse_opaque_id

CURSOR_NAME = "traffic"
# Media statistics arrive every few seconds per stream; keep one per minute per stream
# in the traffic data (the raw log keeps them all).
STATS_INTERVAL = dt.timedelta(seconds=60)
DEFAULT_SETTLE_SECONDS = 2.0

_PAIR = re.compile(
    r"^(?P<laddr>\S+):(?P<lport>\d+) \[(?P<ltype>[\w-]+),(?P<lproto>\w+)\]"
    r" <-> (?P<raddr>\S+):(?P<rport>\d+) \[(?P<rtype>[\w-]+),(?P<rproto>\w+)\]$"
)


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


@dataclass
class ProcessResult:
    events: int = 0
    records: int = 0
    last_event_id: int = 0
    signals: list[MediaSignal] = field(default_factory=list)


def _at(timestamp_us: int) -> dt.datetime:
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


class _Context:
    """Lookups across events of one batch and the records already stored."""

    def __init__(self) -> None:
        self.handles: dict[tuple[str, int], str] = {}
        self.joined: dict[tuple[str, int, int], MediaTrafficRecord] = {}
        self.transports: dict[tuple[str, str], MediaTrafficRecord] = {}
        self.stats_at: dict[tuple[str, int, str], dt.datetime] = {}

    def opaque_for(self, server: str, handle: int | None) -> str:
        if handle is None:
            return ""
        key = (server, handle)
        if key not in self.handles:
            found = (
                MediaTrafficRecord.objects.filter(
                    server=server, handle_id=handle, kind=TrafficKind.HANDLE_ATTACHED
                )
                .values_list("opaque_id", flat=True)
                .first()
            )
            self.handles[key] = found or ""
        return self.handles[key]

    def joined_record(
        self, server: str, room: int, participant: int
    ) -> MediaTrafficRecord | None:
        key = (server, room, participant)
        if key not in self.joined:
            found = (
                MediaTrafficRecord.objects.filter(
                    server=server,
                    room=room,
                    participant=participant,
                    kind=TrafficKind.JOINED,
                )
                .order_by("-at", "-id")
                .first()
            )
            if found is None:
                return None
            self.joined[key] = found
        return self.joined[key]

    def transport(self, server: str, transport_id: str) -> MediaTrafficRecord | None:
        key = (server, transport_id)
        if key not in self.transports:
            found = (
                MediaTrafficRecord.objects.filter(
                    server=server,
                    transport_id=transport_id,
                    kind=TrafficKind.TRANSPORT_CONNECTED,
                )
                .order_by("-at", "-id")
                .first()
            )
            if found is None:
                return None
            self.transports[key] = found
        return self.transports[key]

    def stats_due(self, server: str, handle: int, stream: str, at: dt.datetime) -> bool:
        key = (server, handle, stream)
        if key not in self.stats_at:
            last = (
                MediaTrafficRecord.objects.filter(
                    server=server,
                    handle_id=handle,
                    kind=TrafficKind.MEDIA_STATS,
                    detail__stream=stream,
                )
                .order_by("-at")
                .values_list("at", flat=True)
                .first()
            )
            if last is not None:
                self.stats_at[key] = last
        last_at = self.stats_at.get(key)
        if last_at is not None and at - last_at < STATS_INTERVAL:
            return False
        self.stats_at[key] = at
        return True


def _record(
    event: JanusEvent, ctx: _Context, kind: str, **fields: Any
) -> MediaTrafficRecord:
    opaque = event.opaque_id or ctx.opaque_for(event.emitter, event.handle_id)
    values: dict[str, Any] = {
        "event": event,
        "at": _at(event.timestamp),
        "server": event.emitter,
        "kind": kind,
        "session_id": event.session_id,
        "handle_id": event.handle_id,
        "opaque_id": opaque,
    }
    values.update(fields)
    parsed = parse_opaque_id(values["opaque_id"])
    if parsed is not None:
        values.setdefault("meeting_key", parsed.meeting_id)
        values.setdefault("user_key", parsed.user_id)
        values.setdefault("connection_key", parsed.nonce)
    return MediaTrafficRecord(**values)


def records_for(event: JanusEvent, ctx: _Context) -> list[MediaTrafficRecord]:
    """The traffic records one raw event yields (none for noise like JSEP or stats)."""
    body = event.payload.get("event") or {}
    handler = _HANDLERS.get(event.type)
    return handler(event, body, ctx) if handler else []


def _session(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    name = body.get("name")
    if name == "created":
        transport = body.get("transport") or {}
        transport_id = str(transport.get("id", ""))
        source = ctx.transport(event.emitter, transport_id) if transport_id else None
        return [
            _record(
                event,
                ctx,
                TrafficKind.SESSION_CREATED,
                transport_id=transport_id,
                remote_address=source.remote_address if source else None,
                remote_port=source.remote_port if source else None,
                detail={"transport": transport.get("transport", "")},
            )
        ]
    kinds = {
        "destroyed": TrafficKind.SESSION_DESTROYED,
        "timeout": TrafficKind.SESSION_TIMEOUT,
    }
    if name in kinds:
        return [_record(event, ctx, kinds[name])]
    return []


def _handle(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    name = body.get("name")
    opaque = event.opaque_id or str(body.get("opaque_id") or "")
    if name == "attached":
        if event.handle_id is not None:
            ctx.handles[(event.emitter, event.handle_id)] = opaque
        return [
            _record(
                event,
                ctx,
                TrafficKind.HANDLE_ATTACHED,
                opaque_id=opaque,
                detail={"plugin": body.get("plugin", ""), "token": body.get("token")},
            )
        ]
    if name == "detached":
        return [
            _record(
                event,
                ctx,
                TrafficKind.HANDLE_DETACHED,
                opaque_id=opaque or ctx.opaque_for(event.emitter, event.handle_id),
                detail={"plugin": body.get("plugin", "")},
            )
        ]
    return []


def _webrtc(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    if "ice" in body:
        return [_record(event, ctx, TrafficKind.ICE_STATE, state=str(body["ice"])[:40])]
    if "selected-pair" in body:
        pair = parse_selected_pair(body)
        return [
            _record(
                event,
                ctx,
                TrafficKind.SELECTED_PAIR,
                state=f"{pair.get('local_type')}-{pair.get('remote_type')}"[:40],
                local_address=_ip(pair.get("local_address")),
                local_port=_port(pair.get("local_port")),
                remote_address=_ip(pair.get("remote_address")),
                remote_port=_port(pair.get("remote_port")),
                detail={"selected_pair": body.get("selected-pair"), **pair},
            )
        ]
    if "dtls" in body:
        return [
            _record(event, ctx, TrafficKind.DTLS_STATE, state=str(body["dtls"])[:40])
        ]
    connection = body.get("connection")
    if connection == "webrtcup":
        return [_record(event, ctx, TrafficKind.WEBRTC_UP, state="up")]
    if connection == "hangup":
        return [
            _record(
                event,
                ctx,
                TrafficKind.HANGUP,
                state="hangup",
                detail={"reason": body.get("reason", "")},
            )
        ]
    return []


def _media(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    media = str(body.get("media", ""))[:20]
    if "receiving" in body:
        return [
            _record(
                event,
                ctx,
                TrafficKind.MEDIA_RECEIVING,
                media=media,
                state="receiving" if body["receiving"] else "not_receiving",
                detail={"mid": body.get("mid"), "seconds": body.get("seconds")},
            )
        ]
    if "slow_link" in body:
        return [
            _record(
                event,
                ctx,
                TrafficKind.SLOW_LINK,
                media=media,
                state=str(body["slow_link"])[:40],
                detail={
                    "mid": body.get("mid"),
                    "lost_lastsec": body.get("lost_lastsec"),
                },
            )
        ]
    if "bytes-received" in body and event.handle_id is not None:
        stream = f"{body.get('mid', '')}/{media}"
        at = _at(event.timestamp)
        if not ctx.stats_due(event.emitter, event.handle_id, stream, at):
            return []
        keep = ("rtt", "lost", "lost-by-remote", "jitter-local", "jitter-remote")
        return [
            _record(
                event,
                ctx,
                TrafficKind.MEDIA_STATS,
                media=media,
                bytes_received=_count(body.get("bytes-received")),
                bytes_sent=_count(body.get("bytes-sent")),
                detail={
                    "stream": stream,
                    **{k: body.get(k) for k in keep if k in body},
                },
            )
        ]
    return []


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


_VIDEOROOM_KINDS = {
    "joined": TrafficKind.JOINED,
    "published": TrafficKind.PUBLISHED,
    "unpublished": TrafficKind.UNPUBLISHED,
    "leaving": TrafficKind.LEAVING,
    "kicked": TrafficKind.KICKED,
}


def _plugin(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    if body.get("plugin") != VIDEOROOM:
        return []
    data = body.get("data") or {}
    kind = _VIDEOROOM_KINDS.get(str(data.get("event")))
    room, participant = data.get("room"), data.get("id")
    if kind is None or not isinstance(room, int) or not isinstance(participant, int):
        return []
    fields: dict[str, Any] = {"room": room, "participant": participant}
    if kind != TrafficKind.JOINED and event.handle_id is None:
        # leaving/unpublished carry only room and participant: map through joined.
        joined = ctx.joined_record(event.emitter, room, participant)
        if joined is not None:
            fields.update(
                session_id=joined.session_id,
                handle_id=joined.handle_id,
                opaque_id=joined.opaque_id,
            )
    fields["detail"] = {"display": data.get("display")} if "display" in data else {}
    record = _record(event, ctx, kind, **fields)
    if kind == TrafficKind.JOINED:
        ctx.joined[(event.emitter, room, participant)] = record
    return [record]


def _transport(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    data = body.get("data") or {}
    transport_id = str(body.get("id", ""))[:40]
    if data.get("admin_api"):
        return []  # the web app's own calls
    what = data.get("event")
    fields = {
        "transport_id": transport_id,
        "remote_address": _ip(data.get("ip")),
        "remote_port": _port(data.get("port")),
        "state": str(what)[:40],
        "detail": {"transport": body.get("transport", "")},
    }
    if what == "connected" or (
        what == "request" and ctx.transport(event.emitter, transport_id) is None
    ):
        record = _record(event, ctx, TrafficKind.TRANSPORT_CONNECTED, **fields)
        ctx.transports[(event.emitter, transport_id)] = record
        return [record]
    if what == "disconnected":
        return [_record(event, ctx, TrafficKind.TRANSPORT_DISCONNECTED, **fields)]
    return []


def _core(
    event: JanusEvent, body: dict[str, Any], ctx: _Context
) -> list[MediaTrafficRecord]:
    status = body.get("status")
    if status in ("started", "shutdown"):
        kind = (
            TrafficKind.SERVER_STARTED
            if status == "started"
            else TrafficKind.SERVER_STOPPED
        )
        return [_record(event, ctx, kind, state=status)]
    return []


_HANDLERS = {
    webhooks.TYPE_SESSION: _session,
    webhooks.TYPE_HANDLE: _handle,
    webhooks.TYPE_WEBRTC: _webrtc,
    webhooks.TYPE_MEDIA: _media,
    webhooks.TYPE_PLUGIN: _plugin,
    webhooks.TYPE_TRANSPORT: _transport,
    webhooks.TYPE_CORE: _core,
}


def signals_from(records: Iterable[MediaTrafficRecord]) -> list[MediaSignal]:
    """The attendance/incident inputs among traffic records, in order."""
    signals = []
    for record in records:
        kind, detail = _signal_kind(record)
        if kind is None:
            continue
        if kind != SignalKind.SERVER_RESTARTED and not record.meeting_key:
            continue  # not a Prachum participant's handle
        signals.append(
            MediaSignal(
                kind=kind,
                at=record.at,
                server=record.server,
                meeting_key=record.meeting_key,
                user_key=record.user_key,
                connection_key=record.connection_key,
                session_id=record.session_id,
                handle_id=record.handle_id,
                detail=detail,
            )
        )
    return signals


def _signal_kind(record: MediaTrafficRecord) -> tuple[str | None, dict[str, Any]]:
    kind = record.kind
    room = {"room": record.room, "participant": record.participant}
    if kind == TrafficKind.JOINED:
        return SignalKind.JOINED, room
    if kind in (TrafficKind.LEAVING, TrafficKind.KICKED, TrafficKind.RECONCILED_GONE):
        return SignalKind.LEFT, {**room, "reason": kind}
    if kind == TrafficKind.WEBRTC_UP:
        return SignalKind.UP, {}
    if kind == TrafficKind.HANGUP:
        return SignalKind.DOWN, {"reason": record.detail.get("reason", "")}
    if kind == TrafficKind.MEDIA_RECEIVING:
        signal = (
            SignalKind.RESUMED if record.state == "receiving" else SignalKind.STOPPED
        )
        return signal, {"media": record.media}
    if kind == TrafficKind.SLOW_LINK:
        return SignalKind.SLOW_LINK, {"media": record.media, "direction": record.state}
    if kind == TrafficKind.ICE_STATE and record.state == "failed":
        return SignalKind.ICE_FAILED, {}
    if kind == TrafficKind.RECONCILED_UNSEEN:
        return SignalKind.UNSEEN, dict(record.detail)
    if kind == TrafficKind.SERVER_STARTED:
        return SignalKind.SERVER_RESTARTED, {}
    return None, {}


def process_events(
    *,
    limit: int = 2000,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    now: dt.datetime | None = None,
) -> ProcessResult:
    """Map raw events not processed yet to traffic records; return the signals.

    Reads events received at least ``settle_seconds`` ago, in id order, so that an
    event whose transaction committed late is not skipped. Running it again never
    duplicates a record (one record per event and kind, a database constraint).
    """
    now = now or timezone.now()
    result = ProcessResult()
    with transaction.atomic():
        cursor, _ = EventCursor.objects.select_for_update().get_or_create(
            name=CURSOR_NAME
        )
        events = list(
            JanusEvent.objects.filter(
                id__gt=cursor.last_event_id,
                received_at__lte=now - dt.timedelta(seconds=settle_seconds),
            ).order_by("id")[:limit]
        )
        ctx = _Context()
        records: list[MediaTrafficRecord] = []
        for event in events:
            records.extend(records_for(event, ctx))
        MediaTrafficRecord.objects.bulk_create(records, ignore_conflicts=True)
        if events:
            cursor.last_event_id = events[-1].id
            cursor.save(update_fields=["last_event_id", "updated_at"])
        result.events = len(events)
        result.records = len(records)
        result.last_event_id = cursor.last_event_id
        result.signals = signals_from(records)
    return result
