"""The meeting's media against a real Janus on loopback (server-side APIs; no media).

Each test starts its own Janus (the kill test kills it), renders its configuration
with free loopback ports and points the settings at it. Without Janus the tests skip,
and fail under CI=true.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from prachum.attendance.models import Incident
from prachum.media.janus import JanusMediaServer
from prachum.media.loader import get_media_server
from prachum.media.services import live_media_room
from prachum.media.watchdog import DOWN, UP, MediaWatchdog
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import media as room_media
from prachum.room import media_controls as room_media_controls
from prachum.room import participants as room_participants
from tests.fixtures.room import event_kinds, last_event
from tests.media.conftest import TIMINGS, JanusClient, JanusProcess, _wait_for_api
from tests.room.media.conftest import spawn_janus

pytestmark = [pytest.mark.django_db, pytest.mark.e2e]


@pytest.fixture
def opened_on_janus(
    own_janus: JanusProcess,
    notified_meeting: Meeting,
    open_room: Any,
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    with django_capture_on_commit_callbacks(execute=True):
        return open_room(notified_meeting)


def _janus() -> JanusMediaServer:
    server = get_media_server()
    assert isinstance(server, JanusMediaServer)
    return server


def test_room_recording_mute_kick_and_secret_switch_on_janus(
    own_janus: JanusProcess,
    opened_on_janus: Meeting,
    chair: Any,
    members: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = opened_on_janus
    janus = _janus()
    media_room = live_media_room(meeting_id=meeting.pk)
    assert media_room is not None
    info = janus.room_info(room=media_room.janus_room_id)
    assert info.record
    assert info.lock_record
    assert info.rec_dir == media_room.rec_dir

    # The browser's part, with exactly what the join endpoint gives it.
    member = members[0]
    answer = room_media_controls.join_info(meeting=meeting, user=member)
    client = JanusClient(own_janus)
    try:
        pid = client.join(
            room=answer["room"],
            display=answer["display"],
            pin=answer["pin"],
            token=answer["token"],
            opaque_id=answer["opaque_id"],
        )
        assert pid in {p.id for p in janus.list_participants(room=answer["room"])}
        assert room_media_controls.mute_participant(
            actor=chair, meeting=meeting, user=member
        ) == [pid]

        items = list(
            AgendaItem.objects.filter(meeting=meeting, parent=None).order_by("position")
        )
        AgendaItem.objects.filter(pk=items[1].pk).update(is_secret=True)
        items[1].refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            room_floor.set_current_item(actor=chair, meeting=meeting, item=items[1])
        assert janus.room_info(room=answer["room"]).record is False
        # A member with a two-factor check stays for the secret item.
        assert pid in {p.id for p in janus.list_participants(room=answer["room"])}
        with django_capture_on_commit_callbacks(execute=True):
            room_floor.set_current_item(actor=chair, meeting=meeting, item=items[2])
        assert janus.room_info(room=answer["room"]).record is True
        assert last_event(meeting, "media.recording_gap").payload["item"] == str(
            items[1].pk
        )

        with django_capture_on_commit_callbacks(execute=True):
            room_participants.remove_participant(
                actor=chair, meeting=meeting, user=member, reason="ทดสอบการเชิญออก"
            )
        assert pid not in {p.id for p in janus.list_participants(room=answer["room"])}
        assert "media.participant_kicked" in event_kinds(meeting)
    finally:
        client.close()

    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    with pytest.raises(Exception, match=r"[Nn]o such room"):
        janus.room_info(room=answer["room"])


def _poll_until(
    watchdog: MediaWatchdog, want: str, capture: Any, limit: float
) -> float:
    """Poll every 0.2 s until the transition ``want``; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with capture(execute=True):
            result = watchdog.poll_once()
        if result.transition == want:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"no {want} transition within {limit} s")


def test_janus_killed_mid_meeting_incident_within_5_s_and_room_recovers(
    own_janus: JanusProcess,
    opened_on_janus: Meeting,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = opened_on_janus
    media_room = live_media_room(meeting_id=meeting.pk)
    assert media_room is not None
    watchdog = MediaWatchdog(process=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert watchdog.poll_once().reachable

    killed_at = time.monotonic()
    own_janus.process.send_signal(signal.SIGKILL)
    own_janus.process.wait(timeout=5)
    to_incident = _poll_until(watchdog, DOWN, django_capture_on_commit_callbacks, 10)
    to_incident = time.monotonic() - killed_at
    TIMINGS["janus killed → incident (s)"] = to_incident
    assert to_incident < 5
    incidents = Incident.objects.filter(
        meeting=meeting, description__startswith=room_media.MEDIA_SERVER_DOWN
    )
    assert incidents.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        watchdog.poll_once()
    assert incidents.count() == 1  # once

    restarted = spawn_janus(own_janus.config, own_janus.log)
    own_janus.process = restarted
    _wait_for_api(own_janus.http_url, restarted, timeout=15)
    back = _poll_until(watchdog, UP, django_capture_on_commit_callbacks, 10)
    TIMINGS["janus back → room restored (s)"] = back
    info = _janus().room_info(room=media_room.janus_room_id)
    assert info.record
    assert info.lock_record
    gap = last_event(meeting, "media.recording_gap")
    assert gap.payload["reason"] == "media_server_down"
    assert gap.payload["started_at"] < gap.payload["ended_at"]
    assert "media.room_restored" in event_kinds(meeting)
