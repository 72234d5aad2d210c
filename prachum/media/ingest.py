"""Append Janus's events to the raw log: fast, idempotent, nothing else.

Janus's event handler drops an event after a few seconds of retries, so the receiver
only appends and answers; mapping events to traffic data happens later in
:func:`prachum.media.traffic.process_events`.
"""

from __future__ import annotations

from dataclasses import dataclass

from prachum.media.models import JanusEvent
from prachum.media.webhooks import CheckedEvent

# Keys per query and rows per INSERT (SQLite limits the parameters of a statement).
_CHUNK = 500


@dataclass(frozen=True)
class StoreResult:
    stored: int
    duplicates: int


def store_events(events: list[CheckedEvent]) -> StoreResult:
    """Insert the events not stored yet (by ``key``); a replayed event stores nothing."""
    unique: dict[str, CheckedEvent] = {}
    for event in events:
        unique.setdefault(event.key, event)
    keys = list(unique)
    existing: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        existing.update(
            JanusEvent.objects.filter(key__in=keys[start : start + _CHUNK]).values_list(
                "key", flat=True
            )
        )
    rows = [
        JanusEvent(
            key=event.key,
            emitter=event.emitter,
            type=event.type,
            subtype=event.subtype,
            timestamp=event.timestamp,
            session_id=event.session_id,
            handle_id=event.handle_id,
            opaque_id=event.opaque_id,
            payload=event.payload,
        )
        for key, event in unique.items()
        if key not in existing
    ]
    # A concurrent retransmission may insert the same key meanwhile: the unique
    # constraint keeps one, ignore_conflicts keeps this request from failing.
    JanusEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=_CHUNK)
    return StoreResult(stored=len(rows), duplicates=len(events) - len(rows))
