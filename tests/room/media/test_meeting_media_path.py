"""The whole path with the watchdog running as it does in the web process (a thread).

- A media drop: Janus's event handler POSTs (here: the same JSON, over HTTP, with its
  basic auth, to the real ``/internal/janus/events`` of a live server) → the receiver
  appends → the watchdog thread processes → incident → published on the console group
  (Redis channel layer) — within 5 s.
- Janus killed (kill -9) with the watchdog thread polling every second: the incident is
  in the database within 5 s; after a restart the room is back, recording.

Transactional: the live server, the watchdog thread and the test share the database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import threading
import time
import urllib.request
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from prachum.attendance.models import Incident, IncidentKind
from prachum.media import presence
from prachum.media.janus import JanusMediaServer
from prachum.media.loader import get_media_server
from prachum.media.services import live_media_room
from prachum.media.watchdog import MediaWatchdog
from prachum.meetings.models import Meeting
from prachum.room import media as room_media
from prachum.room import media_controls as room_media_controls
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event
from tests.media.conftest import TIMINGS, JanusProcess, _wait_for_api
from tests.room.media.conftest import JanusEvents, spawn_janus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

REDIS_URL = os.environ.get("PRACHUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
EVENTS_SECRET = "test-events-secret"


def _redis_layer(settings: Any) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis at {REDIS_URL} is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 10}]},
        }
    }


def _post_events(url: str, events: list[dict[str, Any]]) -> None:
    auth = base64.b64encode(f"janus:{EVENTS_SECRET}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def _wait(predicate: Any, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not within {limit} s")


def test_a_media_drop_reaches_the_chairs_console_within_5_s(
    settings: Any,
    live_server: Any,
    notified_meeting: Meeting,
    open_room: Any,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
) -> None:
    _redis_layer(settings)
    settings.JANUS_EVENTS_SECRET = EVENTS_SECRET
    meeting = open_room(notified_meeting)  # transactional: the room is made on commit
    settings.MEDIA_PRESENCE_ENFORCED = True
    media_room = live_media_room(meeting_id=meeting.pk)
    assert media_room is not None
    url = live_server.url + "/internal/janus/events"
    janus = JanusEvents(media_room.server)
    member = members[0]
    answer = room_media_controls.join_info(meeting=meeting, user=member)
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(room_state.console_group(meeting.pk), channel)

    stop = threading.Event()
    watchdog = MediaWatchdog()
    thread = threading.Thread(
        target=watchdog.run, args=(stop,), kwargs={"interval": 1.0}, daemon=True
    )
    thread.start()
    try:
        _post_events(
            url,
            janus.join(
                handle=4242,
                opaque=answer["opaque_id"],
                room=media_room.janus_room_id,
                pid=99,
            ),
        )
        _wait(lambda: presence.has_audio(meeting_id=meeting.pk, user_id=member.pk), 5)
        posted = time.monotonic()
        _post_events(url, janus.hangup(handle=4242, opaque=answer["opaque_id"]))

        async def incident() -> dict[str, Any]:
            deadline = posted + 5
            while True:
                remaining = deadline - time.monotonic()
                message = await asyncio.wait_for(layer.receive(channel), remaining)
                event = message["event"]
                # (quorum_lost came earlier: one audio up among four sockets)
                if event["type"] == "incident" and event["incident"]["subject"]:
                    return dict(event["incident"])

        seen = async_to_sync(incident)()
        elapsed = time.monotonic() - posted
    finally:
        stop.set()
        thread.join(timeout=10)
    TIMINGS["media drop POST → console incident (s)"] = elapsed
    assert elapsed < 5
    assert seen["kind"] == IncidentKind.CONNECTION_LOST
    assert seen["subject"] == str(member.pk)
    assert seen["description"].startswith(room_media.MEDIA_LOST)


def test_janus_killed_with_the_watchdog_thread_running(
    settings: Any,
    own_janus: JanusProcess,
    notified_meeting: Meeting,
    open_room: Any,
) -> None:
    meeting = open_room(notified_meeting)
    media_room = live_media_room(meeting_id=meeting.pk)
    assert media_room is not None
    stop = threading.Event()
    thread = threading.Thread(
        target=MediaWatchdog().run,
        args=(stop,),
        kwargs={"interval": 1.0},
        daemon=True,
    )
    thread.start()
    down = Incident.objects.filter(
        meeting=meeting, description__startswith=room_media.MEDIA_SERVER_DOWN
    )
    try:
        time.sleep(1.2)  # a poll or two while Janus is fine
        killed = time.monotonic()
        own_janus.process.send_signal(signal.SIGKILL)
        own_janus.process.wait(timeout=5)
        _wait(down.exists, 8)
        to_incident = time.monotonic() - killed
        TIMINGS["janus kill -9 → incident, 1 s watchdog (s)"] = to_incident
        own_janus.process = spawn_janus(own_janus.config, own_janus.log)
        _wait_for_api(own_janus.http_url, own_janus.process, timeout=15)
        restarted = time.monotonic()
        _wait(lambda: "media.room_restored" in event_kinds(meeting), 8)
        TIMINGS["janus restarted → room restored (s)"] = time.monotonic() - restarted
    finally:
        stop.set()
        thread.join(timeout=10)
    assert to_incident < 5
    assert down.count() == 1
    server = get_media_server()
    assert isinstance(server, JanusMediaServer)
    info = server.room_info(room=media_room.janus_room_id)
    assert info.record
    assert info.lock_record
    gap = last_event(meeting, "media.recording_gap")
    assert gap.payload["reason"] == "media_server_down"
