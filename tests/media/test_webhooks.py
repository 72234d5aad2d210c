"""Schema checks, idempotency keys and redaction of Janus's event payloads (no DB)."""

from __future__ import annotations

import json

import pytest

from prachum.media.webhooks import (
    EventSchemaError,
    check_body,
    check_event,
)
from tests.media.events import HANDLE, OPAQUE, SESSION, lifecycle


def test_it_accepts_every_event_janus_sends() -> None:
    events = check_body(json.dumps(lifecycle()).encode())
    assert len(events) == len(lifecycle())
    attached = events[2]
    assert (attached.type, attached.session_id, attached.handle_id) == (
        2,
        SESSION,
        HANDLE,
    )
    assert attached.opaque_id == OPAQUE


def test_one_object_is_one_event() -> None:
    assert len(check_body(json.dumps(lifecycle()[0]).encode())) == 1


def test_the_key_ignores_key_order_and_spacing() -> None:
    event = lifecycle()[3]
    shuffled = json.loads(json.dumps(dict(reversed(list(event.items())))))
    assert check_event(event).key == check_event(shuffled).key
    assert check_event(event).key != check_event(lifecycle()[4]).key


def test_the_join_token_is_stored_as_a_hash_only() -> None:
    attached = check_event(lifecycle()[2])
    assert attached.payload["event"]["token"].startswith("sha256:")
    assert "c2lnbmF0dXJl" not in json.dumps(attached.payload)
    # The key is over the event as sent: a replay of it matches.
    assert attached.key == check_event(lifecycle()[2]).key


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "64"}, "type must be an integer"),
        ({"type": True}, "type must be an integer"),
        ({"type": 3}, "unknown event type"),
        ({"timestamp": None}, "missing timestamp"),
        ({"timestamp": -1}, "out of range"),
        ({"session_id": "1"}, "session_id must be an integer"),
        ({"handle_id": 2**64}, "out of range"),
        ({"emitter": 5}, "emitter must be a string"),
        ({"opaque_id": ["x"]}, "opaque_id must be a string"),
        ({"event": "created"}, "event must be an object"),
    ],
)
def test_it_refuses_what_janus_never_sends(
    change: dict[str, object], message: str
) -> None:
    event = {**lifecycle()[1], **change}
    with pytest.raises(EventSchemaError, match=message):
        check_event(event)


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'"a string"', b"42", b"[1, 2]", b"\xff\xfe"],
)
def test_it_refuses_bodies_that_are_not_events(raw: bytes) -> None:
    with pytest.raises(EventSchemaError):
        check_body(raw)


def test_it_refuses_a_flood(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("prachum.media.webhooks.MAX_EVENTS_PER_POST", 3)
    check_body(json.dumps([lifecycle()[0]] * 3).encode())
    with pytest.raises(EventSchemaError, match="more than 3"):
        check_body(json.dumps([lifecycle()[0]] * 4).encode())
