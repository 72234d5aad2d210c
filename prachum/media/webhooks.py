"""Janus event-handler payloads: schema check, idempotency key, redaction. No Django.

The ``sampleevh`` handler POSTs JSON arrays of events (``grouping = true``) or single
objects. Each event is ``{"emitter", "type", "subtype"?, "timestamp", "session_id"?,
"handle_id"?, "opaque_id"?, "event": {...}}``; timestamps are microseconds since the
epoch. Types (events.h): 1 session, 2 handle, 4 external, 8 jsep, 16 webrtc, 32 media,
64 plugin, 128 transport, 256 core.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

KNOWN_TYPES = frozenset({1, 2, 4, 8, 16, 32, 64, 128, 256})
TYPE_SESSION = 1
TYPE_HANDLE = 2
TYPE_JSEP = 8
TYPE_WEBRTC = 16
TYPE_MEDIA = 32
TYPE_PLUGIN = 64
TYPE_TRANSPORT = 128
TYPE_CORE = 256

# After an outage of the web app, Janus sends its whole backlog in one POST: be generous
# (the sender is authenticated before the body is read).
MAX_EVENTS_PER_POST = 100_000
MAX_BODY_BYTES = 64 * 1024 * 1024
_MAX_ID = 2**63 - 1


class EventSchemaError(ValueError):
    """A payload that is not what Janus sends: refused whole, nothing stored."""


@dataclass(frozen=True)
class CheckedEvent:
    """One schema-checked event, its idempotency key and its (redacted) payload."""

    key: str
    emitter: str
    type: int
    subtype: int | None
    timestamp: int
    session_id: int | None
    handle_id: int | None
    opaque_id: str
    payload: dict[str, Any]


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: equal events give equal bytes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def parse_body(raw: bytes) -> list[Any]:
    """The events of one POST: a JSON array, or one JSON object."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventSchemaError(f"not JSON: {exc}") from exc
    if isinstance(body, dict):
        return [body]
    if not isinstance(body, list):
        raise EventSchemaError("body must be a JSON array or object")
    if len(body) > MAX_EVENTS_PER_POST:
        raise EventSchemaError(f"more than {MAX_EVENTS_PER_POST} events in one POST")
    return body


def _int(event: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = event.get(name)
    if value is None:
        if required:
            raise EventSchemaError(f"missing {name}")
        return None
    # bool is an int in Python, never in Janus's JSON.
    if not isinstance(value, int) or isinstance(value, bool):
        raise EventSchemaError(f"{name} must be an integer")
    if not 0 <= value <= _MAX_ID:
        raise EventSchemaError(f"{name} out of range")
    return value


def _redact(payload: dict[str, Any]) -> dict[str, Any]:
    """Replace the handle's join token with its hash: a credential is not traffic data."""
    inner = payload.get("event")
    if isinstance(inner, dict) and isinstance(inner.get("token"), str):
        payload = copy.deepcopy(payload)
        token = payload["event"]["token"]
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        payload["event"]["token"] = f"sha256:{digest}"
    return payload


def check_event(raw: Any) -> CheckedEvent:
    """Check one event against the shape Janus sends; raise :class:`EventSchemaError`."""
    if not isinstance(raw, dict):
        raise EventSchemaError("an event must be a JSON object")
    type_ = _int(raw, "type", required=True)
    if type_ not in KNOWN_TYPES:
        raise EventSchemaError(f"unknown event type {type_}")
    timestamp = _int(raw, "timestamp", required=True) or 0
    emitter = raw.get("emitter", "")
    if not isinstance(emitter, str) or len(emitter) > 100:
        raise EventSchemaError("emitter must be a string of at most 100 characters")
    opaque_id = raw.get("opaque_id", "")
    if not isinstance(opaque_id, str) or len(opaque_id) > 200:
        raise EventSchemaError("opaque_id must be a string of at most 200 characters")
    if not isinstance(raw.get("event"), dict):
        raise EventSchemaError("event must be an object")
    return CheckedEvent(
        key=hashlib.sha256(canonical_json(raw)).hexdigest(),
        emitter=emitter,
        type=type_,
        subtype=_int(raw, "subtype", required=False),
        timestamp=timestamp,
        session_id=_int(raw, "session_id", required=False),
        handle_id=_int(raw, "handle_id", required=False),
        opaque_id=opaque_id,
        payload=_redact(raw),
    )


def check_body(raw: bytes) -> list[CheckedEvent]:
    """Every event of one POST, checked; one bad event refuses the whole POST."""
    return [check_event(item) for item in parse_body(raw)]
