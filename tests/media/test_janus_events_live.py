"""A real Janus's event handler → the ingestion view → traffic data, and reconciliation
against its admin API."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.test import Client

from prachum.media import tokens
from prachum.media.models import JanusEvent, MediaTrafficRecord, TrafficKind
from prachum.media.reconcile import reconcile
from prachum.media.traffic import process_events
from tests.media.conftest import JanusClient, JanusProcess, basic_auth

URL = "/internal/janus/events"


def opaque() -> str:
    return tokens.make_opaque_id(meeting_id=str(uuid.uuid4()), user_id="42")


def test_janus_posts_its_events_with_the_shared_secret(janus: JanusProcess) -> None:
    client = JanusClient(janus)
    try:
        session, handle = client.attach(
            token=janus.server().join_token(user_id="42"), opaque_id=opaque()
        )
        janus.receiver.wait_for(lambda e: e.get("handle_id") == handle)
    finally:
        client.close()
    assert all(
        post.headers.get("Authorization") == basic_auth(janus.config.events_secret)
        for post in janus.receiver.posts
    )
    attached = janus.receiver.wait_for(
        lambda e: e.get("type") == 2 and e.get("handle_id") == handle
    )[0]
    assert attached["session_id"] == session
    assert attached["emitter"] == "janus-test"
    assert attached["event"]["name"] == "attached"


@pytest.mark.django_db
def test_what_janus_posted_is_stored_once(janus: JanusProcess, settings: Any) -> None:
    settings.JANUS_EVENTS_SECRET = janus.config.events_secret
    client = JanusClient(janus)
    try:
        _session, handle = client.attach(
            token=janus.server().join_token(user_id="42"), opaque_id=opaque()
        )
        janus.receiver.wait_for(lambda e: e.get("handle_id") == handle)
    finally:
        client.close()
    posts = list(janus.receiver.posts)
    web = Client()
    for post in posts:
        response = web.post(
            URL,
            post.body,
            content_type="application/json",
            headers={"Authorization": post.headers["Authorization"]},
        )
        assert response.status_code == 200, response.content
    stored = JanusEvent.objects.count()
    assert JanusEvent.objects.filter(handle_id=handle, type=2).exists()
    # Janus's retransmission of the same POSTs (or a replay) stores nothing new.
    for post in posts:
        replay = web.post(
            URL,
            post.body,
            content_type="application/json",
            headers={"Authorization": post.headers["Authorization"]},
        )
        assert replay.json()["stored"] == 0
    assert JanusEvent.objects.count() == stored


@pytest.mark.django_db(transaction=True)
def test_janus_to_the_live_web_app_to_traffic_data(
    janus: JanusProcess, live_server: Any, settings: Any
) -> None:
    settings.JANUS_EVENTS_SECRET = "live-secret"
    janus.tweak_events(backend=f"{live_server.url}{URL}", backend_pwd="live-secret")
    client = JanusClient(janus)
    server = janus.server()
    room = server.ensure_room(
        meeting_id=str(uuid.uuid4()),
        record=True,
        rec_dir=str(janus.config.recordings_dir),
        publishers=3,
    )
    try:
        who = opaque()
        participant = client.join(
            room=room,
            display="member 42",
            pin=server.room_pin(room=room),
            token=server.join_token(user_id="42"),
            opaque_id=who,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if JanusEvent.objects.filter(
                type=64, payload__event__data__id=participant
            ).exists():
                break
            time.sleep(0.05)
        else:
            raise AssertionError("no joined event reached the web app")
        result = process_events(settle_seconds=0)
    finally:
        client.close()
        server.destroy_room(room=room)
        janus.tweak_events(
            backend=janus.receiver.url, backend_pwd=janus.config.events_secret
        )
    joined = MediaTrafficRecord.objects.get(
        kind=TrafficKind.JOINED, participant=participant
    )
    assert joined.opaque_id == who
    assert joined.user_key == "42"
    assert joined.room == room
    assert MediaTrafficRecord.objects.filter(
        kind=TrafficKind.SESSION_CREATED, remote_address="127.0.0.1"
    ).exists()
    assert MediaTrafficRecord.objects.filter(
        kind=TrafficKind.HANDLE_ATTACHED, opaque_id=who
    ).exists()
    assert "media_joined" in [s.kind for s in result.signals]


@pytest.mark.django_db
def test_reconciliation_finds_handles_whose_events_were_lost(
    janus: JanusProcess,
) -> None:
    # The events went to the test receiver, not to the web app: as if all were lost.
    client = JanusClient(janus)
    try:
        who = opaque()
        session, handle = client.attach(
            token=janus.server().join_token(user_id="42"), opaque_id=who
        )
        report = reconcile(source=janus.server())
    finally:
        client.close()
    unseen = {(r.session_id, r.handle_id): r for r in report.unseen}
    assert (session, handle) in unseen
    assert unseen[(session, handle)].opaque_id == who
    assert unseen[(session, handle)].plugin == "janus.plugin.videoroom"
    record = MediaTrafficRecord.objects.get(
        kind=TrafficKind.RECONCILED_UNSEEN, handle_id=handle
    )
    assert record.user_key == "42"
    # Gone from Janus now, and its attach is on record: a lost detach.
    MediaTrafficRecord.objects.create(
        at=record.at,
        server=janus.config.server_name,
        kind=TrafficKind.HANDLE_ATTACHED,
        session_id=session,
        handle_id=handle,
        opaque_id=who,
    )
    later = reconcile(source=janus.server())
    assert [(r.session_id, r.handle_id) for r in later.gone] == [(session, handle)]
