"""/internal/janus/events: authenticated, schema-checked, idempotent, append-only."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from prachum.media.models import AppendOnlyError, JanusEvent
from tests.media.conftest import basic_auth
from tests.media.events import lifecycle

URL = "/internal/janus/events"
SECRET = "events-secret-for-tests"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.JANUS_EVENTS_SECRET = SECRET


@pytest.fixture
def warnings() -> Any:
    """Warnings of the view's logger (pytest's logging plugin may be off)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logger = logging.getLogger("prachum.media.views")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def post(client: Client, body: Any, auth: str | None = basic_auth(SECRET)) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": auth} if auth else {}
    return client.post(URL, raw, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_it_stores_an_array_of_events(client: Client) -> None:
    response = post(client, lifecycle())
    assert response.status_code == 200
    assert response.json() == {"stored": len(lifecycle()), "duplicates": 0}
    assert JanusEvent.objects.count() == len(lifecycle())
    attached = JanusEvent.objects.get(type=2, payload__event__name="attached")
    assert attached.payload["event"]["token"].startswith("sha256:")
    assert attached.opaque_id.startswith("prachum:")


@pytest.mark.django_db
def test_it_stores_a_single_object(client: Client) -> None:
    assert post(client, lifecycle()[0]).json() == {"stored": 1, "duplicates": 0}


@pytest.mark.django_db
def test_a_replayed_post_stores_nothing_twice(client: Client) -> None:
    post(client, lifecycle()[:5])
    again = post(client, lifecycle()[:7])
    assert again.status_code == 200
    assert again.json() == {"stored": 2, "duplicates": 5}
    assert JanusEvent.objects.count() == 7


@pytest.mark.django_db
def test_a_repeated_event_in_one_post_is_stored_once(client: Client) -> None:
    event = lifecycle()[3]
    assert post(client, [event, event]).json() == {"stored": 1, "duplicates": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "auth",
    [
        None,
        basic_auth("wrong"),
        basic_auth(SECRET, user="admin"),
        "Bearer " + SECRET,
        "Basic !!!not-base64",
        "Basic",
    ],
    ids=["none", "wrong-secret", "wrong-user", "bearer", "garbage", "empty"],
)
def test_a_forged_post_is_refused_and_logged(
    client: Client, warnings: Any, auth: str | None
) -> None:
    response = post(client, lifecycle(), auth=auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert JanusEvent.objects.count() == 0
    assert any("unauthenticated" in r.getMessage() for r in warnings)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        [{"type": 64}],
        [*lifecycle()[:3], {**lifecycle()[3], "type": 999}],
        ["an event"],
    ],
    ids=["not-json", "no-timestamp", "one-bad-in-many", "not-an-object"],
)
def test_a_malformed_post_is_refused_whole_and_logged(
    client: Client, warnings: Any, body: Any
) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED"
    assert JanusEvent.objects.count() == 0
    assert any("malformed" in r.getMessage() for r in warnings)


@pytest.mark.django_db
def test_only_post_is_allowed(client: Client) -> None:
    assert (
        client.get(URL, headers={"Authorization": basic_auth(SECRET)}).status_code
        == 405
    )


@pytest.mark.django_db
def test_stored_events_cannot_be_changed_or_deleted(client: Client) -> None:
    post(client, lifecycle()[:1])
    event = JanusEvent.objects.get()
    event.type = 1
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_a_backlog_larger_than_django_upload_limit_is_accepted(
    client: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    backlog = [
        {**lifecycle()[12], "timestamp": lifecycle()[12]["timestamp"] + i}
        for i in range(600)
    ]
    response = post(client, backlog)
    assert response.status_code == 200
    assert response.json() == {"stored": 600, "duplicates": 0}
