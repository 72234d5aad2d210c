"""Raw events → traffic records → attendance/incident signals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from prachum.media.ingest import store_events
from prachum.media.janus_events import SignalKind
from prachum.media.models import MediaTrafficRecord, TrafficKind
from prachum.media.traffic import process_events
from prachum.media.webhooks import check_body
from tests.media.events import (
    HANDLE,
    PARTICIPANT,
    ROOM,
    SERVER,
    SESSION,
    ev,
    lifecycle,
)

pytestmark = pytest.mark.django_db


def store(events: list[dict[str, object]]) -> None:
    store_events(check_body(json.dumps(events).encode()))


def kinds() -> list[str]:
    return list(
        MediaTrafficRecord.objects.order_by("at", "id").values_list("kind", flat=True)
    )


def test_a_participant_lifecycle_becomes_traffic_data() -> None:
    store(lifecycle())
    result = process_events(settle_seconds=0)
    assert result.events == len(lifecycle())
    assert kinds() == [
        TrafficKind.TRANSPORT_CONNECTED,
        TrafficKind.SESSION_CREATED,
        TrafficKind.HANDLE_ATTACHED,
        TrafficKind.JOINED,
        TrafficKind.ICE_STATE,
        TrafficKind.SELECTED_PAIR,
        TrafficKind.ICE_STATE,
        TrafficKind.DTLS_STATE,
        TrafficKind.WEBRTC_UP,
        TrafficKind.MEDIA_RECEIVING,
        TrafficKind.PUBLISHED,
        TrafficKind.MEDIA_STATS,  # the second one, 5 s later, is within the minute
        TrafficKind.SLOW_LINK,
        TrafficKind.MEDIA_RECEIVING,
        TrafficKind.HANGUP,
        TrafficKind.UNPUBLISHED,
        TrafficKind.LEAVING,
        TrafficKind.HANDLE_DETACHED,
        TrafficKind.TRANSPORT_DISCONNECTED,
        TrafficKind.SESSION_DESTROYED,
    ]
    assert result.records == len(kinds())
    # Every record of the handle names the meeting, the user and the connection.
    handle_records = MediaTrafficRecord.objects.filter(handle_id=HANDLE)
    assert {(r.meeting_key, r.user_key, r.connection_key) for r in handle_records} == {
        ("0b6f6c1e-8d0e-4a57-9d0e-1d2b3c4d5e6f", "42", "conn1")
    }


def test_the_client_address_and_the_candidate_pair_are_recorded() -> None:
    store(lifecycle())
    process_events(settle_seconds=0)
    created = MediaTrafficRecord.objects.get(kind=TrafficKind.SESSION_CREATED)
    assert (created.remote_address, created.remote_port) == ("203.0.113.9", 51000)
    assert created.session_id == SESSION
    pair = MediaTrafficRecord.objects.get(kind=TrafficKind.SELECTED_PAIR)
    assert (pair.local_address, pair.local_port) == ("10.77.0.1", 20010)
    assert (pair.remote_address, pair.remote_port) == ("203.0.113.9", 61000)
    assert pair.state == "host-srflx"
    dtls = MediaTrafficRecord.objects.get(kind=TrafficKind.DTLS_STATE)
    assert dtls.state == "connected"
    stats = MediaTrafficRecord.objects.get(kind=TrafficKind.MEDIA_STATS)
    assert (stats.bytes_received, stats.bytes_sent, stats.media) == (
        48000,
        900,
        "audio",
    )
    assert stats.detail["rtt"] == 12
    hangup = MediaTrafficRecord.objects.get(kind=TrafficKind.HANGUP)
    assert hangup.detail["reason"] == "DTLS alert"


def test_leaving_without_a_handle_is_mapped_through_joined() -> None:
    store(lifecycle())
    process_events(settle_seconds=0)
    leaving = MediaTrafficRecord.objects.get(kind=TrafficKind.LEAVING)
    assert (leaving.room, leaving.participant) == (ROOM, PARTICIPANT)
    assert (leaving.session_id, leaving.handle_id) == (SESSION, HANDLE)
    assert leaving.user_key == "42"


def test_mapping_through_joined_works_across_batches() -> None:
    events = lifecycle()
    store(events[:5])
    process_events(settle_seconds=0)
    store(events[5:])
    process_events(settle_seconds=0)
    assert MediaTrafficRecord.objects.get(kind=TrafficKind.LEAVING).handle_id == HANDLE
    assert MediaTrafficRecord.objects.get(kind=TrafficKind.WEBRTC_UP).user_key == "42"


def test_signals_are_the_attendance_and_incident_inputs() -> None:
    store(lifecycle())
    signals = process_events(settle_seconds=0).signals
    assert [s.kind for s in signals] == [
        SignalKind.JOINED,
        SignalKind.UP,
        SignalKind.RESUMED,
        SignalKind.SLOW_LINK,
        SignalKind.STOPPED,
        SignalKind.DOWN,
        SignalKind.LEFT,
    ]
    joined = signals[0]
    assert (joined.meeting_key, joined.user_key, joined.connection_key) == (
        "0b6f6c1e-8d0e-4a57-9d0e-1d2b3c4d5e6f",
        "42",
        "conn1",
    )
    assert joined.server == SERVER
    assert joined.detail == {"room": ROOM, "participant": PARTICIPANT}
    assert signals[-1].detail["reason"] == TrafficKind.LEAVING
    assert signals[3].detail == {"media": "audio", "direction": "uplink"}
    assert joined.at == dt.datetime.fromtimestamp(
        lifecycle()[3]["timestamp"] / 1e6, tz=dt.UTC
    )


def test_processing_again_adds_nothing() -> None:
    store(lifecycle())
    process_events(settle_seconds=0)
    count = MediaTrafficRecord.objects.count()
    again = process_events(settle_seconds=0)
    assert (again.events, again.records) == (0, 0)
    assert MediaTrafficRecord.objects.count() == count


def test_fresh_events_wait_for_the_settle_time() -> None:
    store(lifecycle()[:3])
    assert process_events(settle_seconds=60).events == 0
    later = timezone.now() + dt.timedelta(seconds=61)
    assert process_events(settle_seconds=60, now=later).events == 3


def test_the_server_own_calls_and_unknown_handles_give_no_signals() -> None:
    admin_request = ev(
        128,
        0,
        {
            "transport": "janus.transport.http",
            "id": "9",
            "data": {
                "event": "request",
                "admin_api": True,
                "ip": "127.0.0.1",
                "port": 4000,
            },
        },
    )
    stranger = ev(
        2,
        1,
        {"name": "attached", "plugin": "janus.plugin.videoroom"},
        session_id=1,
        handle_id=2,
    )
    store([admin_request, stranger])
    result = process_events(settle_seconds=0)
    assert kinds() == [TrafficKind.HANDLE_ATTACHED]
    assert result.signals == []


def test_a_janus_restart_is_a_signal_for_every_meeting() -> None:
    store([ev(256, 0, {"status": "started", "info": {"version": 1102}}, subtype=1)])
    signals = process_events(settle_seconds=0).signals
    assert [s.kind for s in signals] == [SignalKind.SERVER_RESTARTED]
    assert signals[0].meeting_key == ""


def test_ice_failure_is_a_signal() -> None:
    events = lifecycle()[:3]
    events.append(
        events[2]
        | {
            "type": 16,
            "subtype": 1,
            "timestamp": events[2]["timestamp"] + 1,
            "event": {"ice": "failed", "stream_id": 1, "component_id": 1},
        }
    )
    store(events)
    assert [s.kind for s in process_events(settle_seconds=0).signals] == [
        SignalKind.ICE_FAILED
    ]


def test_the_first_http_request_of_a_client_stands_for_its_connection() -> None:
    first = ev(
        128,
        0,
        {
            "transport": "janus.transport.http",
            "id": "77",
            "data": {
                "event": "request",
                "admin_api": False,
                "ip": "198.51.100.4",
                "port": 3333,
            },
        },
    )
    second = ev(
        128,
        5,
        {
            "transport": "janus.transport.http",
            "id": "77",
            "data": {
                "event": "request",
                "admin_api": False,
                "ip": "198.51.100.4",
                "port": 3333,
            },
        },
    )
    created = ev(
        1,
        6,
        {
            "name": "created",
            "transport": {"transport": "janus.transport.http", "id": "77"},
        },
        session_id=5,
    )
    store([first, second, created])
    process_events(settle_seconds=0)
    assert kinds() == [TrafficKind.TRANSPORT_CONNECTED, TrafficKind.SESSION_CREATED]
    session = MediaTrafficRecord.objects.get(kind=TrafficKind.SESSION_CREATED)
    assert session.remote_address == "198.51.100.4"


def test_an_mdns_candidate_keeps_its_name_in_the_detail_only() -> None:
    events = lifecycle()[:3]
    events.append(
        events[2]
        | {
            "type": 16,
            "subtype": 4,
            "timestamp": events[2]["timestamp"] + 1,
            "event": {
                "selected-pair": "10.0.0.1:1 [host,udp] <-> abcd.local:9 [host,udp]"
            },
        }
    )
    store(events)
    process_events(settle_seconds=0)
    pair = MediaTrafficRecord.objects.get(kind=TrafficKind.SELECTED_PAIR)
    assert pair.remote_address is None
    assert pair.detail["remote_address"] == "abcd.local"
