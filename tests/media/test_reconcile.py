"""Reconciliation: handles live in Janus but never announced, and lost detaches."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from prachum.media.fake import FakeMediaServer
from prachum.media.ingest import store_events
from prachum.media.janus_events import SignalKind
from prachum.media.models import MediaTrafficRecord, TrafficKind
from prachum.media.reconcile import reconcile
from prachum.media.traffic import process_events
from prachum.media.webhooks import check_body
from tests.media.events import HANDLE, OPAQUE, SESSION, T0, lifecycle

pytestmark = pytest.mark.django_db


def store(events: list[dict[str, object]]) -> None:
    store_events(check_body(json.dumps(events).encode()))


@pytest.fixture
def fake() -> FakeMediaServer:
    return FakeMediaServer(name="janus-test")


def test_a_handle_never_seen_in_events_is_reported_once(fake: FakeMediaServer) -> None:
    room = fake.ensure_room(
        meeting_id="m", record=True, rec_dir="/srv/rec", publishers=3
    )
    participant = fake.join(
        room=room, display="x", pin=fake.room_pin(room=room), opaque_id=OPAQUE
    )
    report = reconcile(source=fake)
    assert report.live == 1
    assert [(r.handle_id, r.opaque_id) for r in report.unseen] == [
        (participant, OPAQUE)
    ]
    assert report.gone == []
    assert [s.kind for s in report.signals] == [SignalKind.UNSEEN]
    assert report.signals[0].user_key == "42"
    # Reported again while it lasts, recorded once.
    again = reconcile(source=fake)
    assert len(again.unseen) == 1
    assert again.records == 0
    assert (
        MediaTrafficRecord.objects.filter(kind=TrafficKind.RECONCILED_UNSEEN).count()
        == 1
    )


def test_a_lost_detach_is_a_leave(fake: FakeMediaServer) -> None:
    # Janus said attached and joined; the detach never arrived; the handle is gone.
    store(lifecycle()[:4])
    process_events(settle_seconds=0)
    # The events carry a fixed date: check a minute after it, inside the window.
    now = dt.datetime.fromtimestamp(T0 / 1_000_000 + 60, tz=dt.UTC)
    report = reconcile(source=fake, now=now)
    assert [(r.session_id, r.handle_id) for r in report.gone] == [(SESSION, HANDLE)]
    assert report.gone[0].plugin == "janus.plugin.videoroom"
    assert [s.kind for s in report.signals] == [SignalKind.LEFT]
    assert report.signals[0].detail["reason"] == TrafficKind.RECONCILED_GONE
    assert reconcile(source=fake, now=now).gone == []  # once


def test_a_detach_seen_in_events_is_not_a_loss(fake: FakeMediaServer) -> None:
    store(lifecycle())
    process_events(settle_seconds=0)
    assert reconcile(source=fake).gone == []


def test_a_detach_still_in_the_raw_log_is_not_a_loss(fake: FakeMediaServer) -> None:
    store(lifecycle()[:4])
    process_events(settle_seconds=0)
    store(lifecycle()[4:])  # received, not processed yet
    assert reconcile(source=fake).gone == []


def test_a_handle_known_from_events_is_not_unseen(fake: FakeMediaServer) -> None:
    store(lifecycle()[:3])
    room = fake.ensure_room(
        meeting_id="m", record=True, rec_dir="/srv/rec", publishers=3
    )
    fake.join(room=room, display="x", pin=fake.room_pin(room=room))
    # The fake's handle ids are its participant ids, not HANDLE: one unseen.
    assert len(reconcile(source=fake).unseen) == 1
