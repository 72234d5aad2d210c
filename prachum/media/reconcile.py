"""Compare what Janus's admin API shows with what its events said, so no join or leave
is missed when the event handler gave up on a POST.

- *unseen*: a handle live in Janus whose attach never reached the event log;
- *gone*: a handle the events say is attached, which Janus no longer has (its detach
  was lost): the participant left at some time before the check.

Each finding is appended once as a traffic record (``reconciled_unseen`` /
``reconciled_gone``) and returned as signals for the attendance and incident services.
Run it periodically from the worker, after :func:`prachum.media.traffic.process_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from prachum.media.janus_events import MediaSignal
from prachum.media.models import JanusEvent, MediaTrafficRecord, TrafficKind
from prachum.media.tokens import parse_opaque_id
from prachum.media.traffic import signals_from
from prachum.media.webhooks import TYPE_HANDLE, TYPE_SESSION

DEFAULT_WINDOW = dt.timedelta(hours=24)


class HandleSource(Protocol):
    """A media server that can list its live handles (Janus's admin API)."""

    name: str

    def iter_handles(self) -> Iterator[tuple[int, int, dict[str, Any]]]: ...


@dataclass(frozen=True)
class HandleRef:
    server: str
    session_id: int | None
    handle_id: int
    opaque_id: str
    plugin: str = ""


@dataclass
class ReconcileReport:
    server: str
    checked_at: dt.datetime
    live: int = 0
    unseen: list[HandleRef] = field(default_factory=list)
    gone: list[HandleRef] = field(default_factory=list)
    records: int = 0
    signals: list[MediaSignal] = field(default_factory=list)


def _record(kind: str, ref: HandleRef, at: dt.datetime) -> MediaTrafficRecord:
    parsed = parse_opaque_id(ref.opaque_id)
    return MediaTrafficRecord(
        event=None,
        at=at,
        server=ref.server,
        kind=kind,
        session_id=ref.session_id,
        handle_id=ref.handle_id,
        opaque_id=ref.opaque_id,
        meeting_key=parsed.meeting_id if parsed else "",
        user_key=parsed.user_id if parsed else "",
        connection_key=parsed.nonce if parsed else "",
        detail={"plugin": ref.plugin},
    )


def reconcile(
    *,
    source: HandleSource,
    window: dt.timedelta = DEFAULT_WINDOW,
    now: dt.datetime | None = None,
) -> ReconcileReport:
    """Walk Janus's live handles and the event log of the last ``window``; report both
    differences and append each new finding once."""
    now = now or timezone.now()
    server = source.name
    report = ReconcileReport(server=server, checked_at=now)
    live = {handle: (session, info) for session, handle, info in source.iter_handles()}
    report.live = len(live)

    seen = set(
        JanusEvent.objects.filter(emitter=server, handle_id__in=list(live))
        .values_list("handle_id", flat=True)
        .distinct()
    )
    for handle, (session, info) in sorted(live.items()):
        if handle in seen:
            continue
        report.unseen.append(
            HandleRef(
                server=server,
                session_id=session,
                handle_id=handle,
                opaque_id=str(info.get("opaque_id") or ""),
                plugin=str(info.get("plugin") or ""),
            )
        )

    attached = list(
        MediaTrafficRecord.objects.filter(
            server=server, kind=TrafficKind.HANDLE_ATTACHED, at__gte=now - window
        ).values_list("session_id", "handle_id", "opaque_id", "detail")
    )
    candidates = {h for _s, h, _o, _d in attached if h is not None and h not in live}
    closed_handles = set(
        MediaTrafficRecord.objects.filter(
            server=server,
            handle_id__in=list(candidates),
            kind__in=[TrafficKind.HANDLE_DETACHED, TrafficKind.RECONCILED_GONE],
        ).values_list("handle_id", flat=True)
    ) | set(
        # A detach still waiting in the raw log is not a lost one.
        JanusEvent.objects.filter(
            emitter=server,
            type=TYPE_HANDLE,
            handle_id__in=list(candidates),
            payload__event__name="detached",
        ).values_list("handle_id", flat=True)
    )
    sessions = {s for s, h, _o, _d in attached if h in candidates and s is not None}
    closed_sessions = set(
        MediaTrafficRecord.objects.filter(
            server=server,
            session_id__in=list(sessions),
            kind__in=[TrafficKind.SESSION_DESTROYED, TrafficKind.SESSION_TIMEOUT],
        ).values_list("session_id", flat=True)
    ) | set(
        JanusEvent.objects.filter(
            emitter=server,
            type=TYPE_SESSION,
            session_id__in=list(sessions),
            payload__event__name__in=["destroyed", "timeout"],
        ).values_list("session_id", flat=True)
    )
    for gone_session, gone_handle, opaque, detail in attached:
        if gone_handle is None or gone_handle not in candidates:
            continue
        if gone_handle in closed_handles or gone_session in closed_sessions:
            continue
        closed_handles.add(gone_handle)  # once per handle
        report.gone.append(
            HandleRef(
                server=server,
                session_id=gone_session,
                handle_id=gone_handle,
                opaque_id=opaque,
                plugin=str((detail or {}).get("plugin", "")),
            )
        )

    already_unseen = set(
        MediaTrafficRecord.objects.filter(
            server=server,
            kind=TrafficKind.RECONCILED_UNSEEN,
            handle_id__in=[ref.handle_id for ref in report.unseen],
        ).values_list("handle_id", flat=True)
    )
    records = [
        _record(TrafficKind.RECONCILED_UNSEEN, ref, now)
        for ref in report.unseen
        if ref.handle_id not in already_unseen
    ] + [_record(TrafficKind.RECONCILED_GONE, ref, now) for ref in report.gone]
    with transaction.atomic():
        MediaTrafficRecord.objects.bulk_create(records)
    report.records = len(records)
    report.signals = signals_from(records)
    return report
