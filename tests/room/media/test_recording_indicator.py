"""The recording indicator everyone sees in the room (issue 14 point 7): derived from
the meeting's status, its media room and the current item; sent in the snapshot and in
the patches of the changes that move it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from prachum.media.fake import FakeMediaServer
from prachum.media.models import MediaServerStatus
from prachum.media.services import live_media_room
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import media_signals
from prachum.room import snapshot as room_snapshot
from prachum.room import state as room_state

pytestmark = pytest.mark.django_db


def _state(meeting: Meeting, user: Any) -> str:
    snapshot = room_snapshot.room_snapshot(meeting=meeting, user=user)
    return str(snapshot["recording"]["state"])


def test_before_opening_recording_has_not_started(
    notified_meeting: Meeting, member: Any
) -> None:
    assert _state(notified_meeting, member) == "not_started"


def test_opening_says_recording_and_a_secret_item_stops_it_for_everyone(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    chair: Any,
    member: Any,
    media_server: FakeMediaServer,
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    room_events = listen(room_state.room_group(notified_meeting.pk))
    with django_capture_on_commit_callbacks(execute=True):
        opened = open_room(notified_meeting)
    opening = next(e for e in room_events.events() if e["type"] == "meeting.opened")
    assert opening["patch"]["recording"] == {"state": "on"}
    assert _state(opened, member) == "on"

    items = list(
        AgendaItem.objects.filter(meeting=opened, parent=None).order_by("position")
    )
    secret, open_item = items[1], items[2]
    AgendaItem.objects.filter(pk=secret.pk).update(is_secret=True)
    secret.refresh_from_db()
    room_events = listen(room_state.room_group(opened.pk))
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=opened, item=secret)
    [started] = [e for e in room_events.events() if e["type"] == "agenda.item_started"]
    assert started["patch"]["recording"] == {"state": "paused_secret_item"}
    # the same as what the media server was told, and as a fresh snapshot
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    assert media_room.record is False
    assert _state(opened, member) == "paused_secret_item"

    room_events = listen(room_state.room_group(opened.pk))
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=opened, item=open_item)
    [started] = [e for e in room_events.events() if e["type"] == "agenda.item_started"]
    assert started["patch"]["recording"] == {"state": "on"}
    assert _state(opened, member) == "on"

    room_events = listen(room_state.room_group(opened.pk))
    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.close_meeting(actor=chair, meeting=opened)
    [closed] = [e for e in room_events.events() if e["type"] == "meeting.closed"]
    assert closed["patch"]["recording"] == {"state": "ended"}
    assert _state(opened, member) == "ended"


def test_a_secret_meeting_is_not_recorded(
    secret_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    chair: Any,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(secret_meeting)
    assert _state(meeting, chair) == "off_secret_meeting"


def test_the_media_server_down_stops_the_indicator_and_back_up_resumes_it(
    opened: Meeting,
    member: Any,
    media_server: FakeMediaServer,
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    room_events = listen(room_state.room_group(opened.pk))
    now = timezone.now()
    MediaServerStatus.objects.update_or_create(
        server=media_server.name, defaults={"down_since": now}
    )
    with django_capture_on_commit_callbacks(execute=True):
        media_signals.on_media_server_down(
            None, server=media_server.name, at=now, error="connection refused"
        )
    down = next(e for e in room_events.events() if e["type"] == "media.server_down")
    assert down["patch"]["recording"] == {"state": "media_down"}
    assert _state(opened, member) == "media_down"

    MediaServerStatus.objects.filter(server=media_server.name).update(down_since=None)
    room_events = listen(room_state.room_group(opened.pk))
    with django_capture_on_commit_callbacks(execute=True):
        media_signals.on_media_server_up(
            None, server=media_server.name, down_since=now, at=timezone.now()
        )
    restored = next(
        e for e in room_events.events() if e["type"] == "media.room_restored"
    )
    assert restored["patch"]["recording"] == {"state": "on"}
    assert _state(opened, member) == "on"


def test_open_without_a_media_room_says_it_is_not_recording(
    opened: Meeting, member: Any
) -> None:
    from prachum.media.models import MediaRoom

    MediaRoom.objects.filter(meeting=opened).update(destroyed_at=timezone.now())
    assert _state(opened, member) == "media_not_ready"


def test_the_room_page_has_the_indicator_in_thai(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(member, notified_meeting)
    response = client_for(member).get(
        reverse("attendance:room", kwargs={"pk": notified_meeting.pk})
    )
    body = response.content.decode()
    assert 'id="recording-state"' in body
    assert "ยังไม่เริ่มบันทึก" in body
    # the words the script shows, by state
    labels = json.loads(
        body.split('<script id="room-labels" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    assert labels["recording"]["on"] == "กำลังบันทึก"
    assert labels["recording"]["paused_secret_item"] == "หยุดบันทึก: วาระลับ"
    assert labels["confirm"]["meeting_close"].startswith("ยืนยันการปิดประชุม")
    assert "%(number)s" in labels["confirm"]["poll_close"]
    assert 'data-confirm="meeting_close"' not in body  # a member has no console
    # the quorum in words: "มาประชุม 6 คน จาก 9 คน (ต้องมีอย่างน้อย 5 คน) ครบองค์ประชุม"
    assert 'มาประชุม <span id="quorum-counted">' in body
    assert '(ต้องมีอย่างน้อย <span id="quorum-required">' in body
    assert (labels["quorum_met"], labels["quorum_not_met"]) == (
        "ครบองค์ประชุม",
        "ไม่ครบองค์ประชุม",
    )
