"""Store the raw Janus event log as traffic data, and traffic data as signals.

:func:`process_events` is called by the worker (and by tests): it reads the raw events
not processed yet, parses them (:mod:`prachum.media.janus_events`), appends
:class:`~prachum.media.models.MediaTrafficRecord` rows (ICE candidate pair addresses,
DTLS state, media up/down, slow link, bytes, room joins and leaves) and returns
:class:`~prachum.media.janus_events.MediaSignal` values: the inputs the attendance and
incident services need, as plain data (this package imports no app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.media.janus_events import (
    DtlsState,
    HandleEvent,
    Hangup,
    IceState,
    JanusFact,
    MediaReceiving,
    MediaSignal,
    MediaStats,
    RoomEvent,
    SelectedPair,
    ServerStatus,
    SessionEvent,
    SignalKind,
    SlowLink,
    TransportEvent,
    WebrtcUp,
    event_time,
    parse,
)
from prachum.media.models import (
    EventCursor,
    JanusEvent,
    MediaTrafficRecord,
    TrafficKind,
)
from prachum.media.tokens import parse_opaque_id

CURSOR_NAME = "traffic"
# Media statistics arrive every few seconds per stream; keep one per minute per stream
# in the traffic data (the raw log keeps them all).
STATS_INTERVAL = dt.timedelta(seconds=60)
DEFAULT_SETTLE_SECONDS = 2.0


@dataclass
class ProcessResult:
    events: int = 0
    records: int = 0
    last_event_id: int = 0
    signals: list[MediaSignal] = field(default_factory=list)


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
        "at": event_time(event.timestamp),
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
    fact = parse(event.type, event.payload.get("event") or {})
    if fact is None:
        return []
    record = _record_of(event, fact, ctx)
    return [record] if record is not None else []


_SESSION_KINDS = {
    "destroyed": TrafficKind.SESSION_DESTROYED,
    "timeout": TrafficKind.SESSION_TIMEOUT,
}
_ROOM_KINDS = {
    "joined": TrafficKind.JOINED,
    "published": TrafficKind.PUBLISHED,
    "unpublished": TrafficKind.UNPUBLISHED,
    "leaving": TrafficKind.LEAVING,
    "kicked": TrafficKind.KICKED,
}


def _record_of(
    event: JanusEvent, fact: JanusFact, ctx: _Context
) -> MediaTrafficRecord | None:
    match fact:
        case SessionEvent():
            return _session(event, fact, ctx)
        case HandleEvent():
            return _handle(event, fact, ctx)
        case IceState(state=state):
            return _record(event, ctx, TrafficKind.ICE_STATE, state=state)
        case SelectedPair():
            return _record(
                event,
                ctx,
                TrafficKind.SELECTED_PAIR,
                state=fact.candidate_types,
                local_address=fact.local_address,
                local_port=fact.local_port,
                remote_address=fact.remote_address,
                remote_port=fact.remote_port,
                detail=fact.detail,
            )
        case DtlsState(state=state):
            return _record(event, ctx, TrafficKind.DTLS_STATE, state=state)
        case WebrtcUp():
            return _record(event, ctx, TrafficKind.WEBRTC_UP, state="up")
        case Hangup(reason=reason):
            return _record(
                event,
                ctx,
                TrafficKind.HANGUP,
                state="hangup",
                detail={"reason": reason},
            )
        case MediaReceiving():
            return _record(
                event,
                ctx,
                TrafficKind.MEDIA_RECEIVING,
                media=fact.media,
                state="receiving" if fact.receiving else "not_receiving",
                detail={"mid": fact.mid, "seconds": fact.seconds},
            )
        case SlowLink():
            return _record(
                event,
                ctx,
                TrafficKind.SLOW_LINK,
                media=fact.media,
                state=fact.direction,
                detail={"mid": fact.mid, "lost_lastsec": fact.lost_lastsec},
            )
        case MediaStats():
            return _stats(event, fact, ctx)
        case RoomEvent():
            return _room(event, fact, ctx)
        case TransportEvent():
            return _transport(event, fact, ctx)
        case ServerStatus(status=status):
            kind = (
                TrafficKind.SERVER_STARTED
                if status == "started"
                else TrafficKind.SERVER_STOPPED
            )
            return _record(event, ctx, kind, state=status)
    return None


def _session(
    event: JanusEvent, fact: SessionEvent, ctx: _Context
) -> MediaTrafficRecord:
    if fact.name != "created":
        return _record(event, ctx, _SESSION_KINDS[fact.name])
    transport_id = fact.transport_id
    source = ctx.transport(event.emitter, transport_id) if transport_id else None
    return _record(
        event,
        ctx,
        TrafficKind.SESSION_CREATED,
        transport_id=transport_id,
        remote_address=source.remote_address if source else None,
        remote_port=source.remote_port if source else None,
        detail={"transport": fact.transport},
    )


def _handle(event: JanusEvent, fact: HandleEvent, ctx: _Context) -> MediaTrafficRecord:
    opaque = event.opaque_id or fact.opaque_id
    if fact.name == "attached":
        if event.handle_id is not None:
            ctx.handles[(event.emitter, event.handle_id)] = opaque
        return _record(
            event,
            ctx,
            TrafficKind.HANDLE_ATTACHED,
            opaque_id=opaque,
            detail={"plugin": fact.plugin, "token": fact.token},
        )
    return _record(
        event,
        ctx,
        TrafficKind.HANDLE_DETACHED,
        opaque_id=opaque or ctx.opaque_for(event.emitter, event.handle_id),
        detail={"plugin": fact.plugin},
    )


def _stats(
    event: JanusEvent, fact: MediaStats, ctx: _Context
) -> MediaTrafficRecord | None:
    if event.handle_id is None:
        return None
    at = event_time(event.timestamp)
    if not ctx.stats_due(event.emitter, event.handle_id, fact.stream, at):
        return None
    return _record(
        event,
        ctx,
        TrafficKind.MEDIA_STATS,
        media=fact.media,
        bytes_received=fact.bytes_received,
        bytes_sent=fact.bytes_sent,
        detail={"stream": fact.stream, **fact.figures},
    )


def _room(event: JanusEvent, fact: RoomEvent, ctx: _Context) -> MediaTrafficRecord:
    kind = _ROOM_KINDS[fact.name]
    room, participant = fact.room, fact.participant
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
    fields["detail"] = fact.detail
    record = _record(event, ctx, kind, **fields)
    if kind == TrafficKind.JOINED:
        ctx.joined[(event.emitter, room, participant)] = record
    return record


def _transport(
    event: JanusEvent, fact: TransportEvent, ctx: _Context
) -> MediaTrafficRecord | None:
    fields = {
        "transport_id": fact.transport_id,
        "remote_address": fact.remote_address,
        "remote_port": fact.remote_port,
        "state": fact.name,
        "detail": {"transport": fact.transport},
    }
    if fact.name == "connected" or (
        fact.name == "request"
        and ctx.transport(event.emitter, fact.transport_id) is None
    ):
        record = _record(event, ctx, TrafficKind.TRANSPORT_CONNECTED, **fields)
        ctx.transports[(event.emitter, fact.transport_id)] = record
        return record
    if fact.name == "disconnected":
        return _record(event, ctx, TrafficKind.TRANSPORT_DISCONNECTED, **fields)
    return None


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
