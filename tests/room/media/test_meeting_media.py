"""The meeting drives its media room, and media feeds the meeting (issue 5, server side).

Against the in-memory :class:`FakeMediaServer` (the contract tests hold it to Janus's
behaviour); the same flows against a real Janus are in ``test_meeting_media_janus.py``.
Janus's events go through the real pipeline: ``check_body`` → ``store_events`` →
``process_and_dispatch`` → the attendance receivers.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from prachum.attendance.models import Incident, IncidentKind
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.media import presence
from prachum.media.fake import FakeMediaServer
from prachum.media.ingest import store_events
from prachum.media.models import MediaAudioInterval, MediaServerStatus
from prachum.media.protocol import MediaHealth
from prachum.media.services import live_media_room
from prachum.media.tokens import check_janus_token, parse_opaque_id
from prachum.media.watchdog import MediaWatchdog, process_and_dispatch
from prachum.media.webhooks import check_body
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import media as room_media
from prachum.room import media_controls as room_media_controls
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event
from tests.room.media.conftest import JanusEvents

pytestmark = pytest.mark.django_db
VR = "janus.plugin.videoroom"


def deliver(events: list[dict[str, Any]], django_capture: Any) -> None:
    """Janus POSTs, the receiver appends, the watchdog processes and dispatches."""
    store_events(check_body(json.dumps(events).encode()))
    with django_capture(execute=True):
        process_and_dispatch(settle_seconds=0)


def join_answer(client: Any, meeting: Meeting, user: Any) -> Any:
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True  # past both login factors
    session.save()
    return client.get(reverse("attendance:media_join", kwargs={"pk": meeting.pk}))


# --- room lifecycle ---------------------------------------------------------------


def test_opening_creates_the_room_recording_and_locked(
    opened: Meeting, media_server: FakeMediaServer
) -> None:
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    assert media_room.record
    info = media_server.room_info(room=media_room.janus_room_id)
    assert info.record
    assert info.lock_record
    event = last_event(opened, "media.room_opened")
    assert event.payload["record"] is True
    assert event.payload["room"] == media_room.janus_room_id


def test_a_media_failure_at_opening_is_an_incident_and_the_meeting_stays_open(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    # A Janus nobody listens on: every call fails with MEDIA_UNREACHABLE.
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_HTTP_URL = "http://127.0.0.1:9/janus"
    settings.JANUS_ADMIN_URL = "http://127.0.0.1:9/admin"
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(notified_meeting)
    meeting.refresh_from_db()
    assert meeting.status == "open"
    incident = Incident.objects.get(meeting=meeting, kind=IncidentKind.OTHER)
    assert incident.description.startswith(room_media.MEDIA_ROOM_FAILED)
    assert live_media_room(meeting_id=meeting.pk) is None


def test_suspend_mutes_every_publisher_and_resume_unmutes(
    opened: Meeting,
    chair: Any,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    pin = media_server.room_pin(room=room)
    a = media_server.join(room=room, display="a", pin=pin)
    b = media_server.join(room=room, display="b", pin=pin)
    media_server.publish(room=room, participant=a)
    media_server.publish(room=room, participant=b)
    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.suspend_meeting(actor=chair, meeting=opened, reason="พักการประชุม")
    assert media_server.is_muted(room=room, participant=a)["audio"] is True
    assert media_server.is_muted(room=room, participant=b)["audio"] is True
    assert sorted(last_event(opened, "media.room_muted").payload["participants"]) == [
        a,
        b,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.resume_meeting(actor=chair, meeting=opened)
    assert media_server.is_muted(room=room, participant=a)["audio"] is False
    assert "media.room_unmuted" in event_kinds(opened)


def test_close_destroys_the_room(
    opened: Meeting,
    chair: Any,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.close_meeting(actor=chair, meeting=opened)
    assert live_media_room(meeting_id=opened.pk) is None
    with pytest.raises(Exception, match="No such room"):
        media_server.room_info(room=room)


# --- secret sessions --------------------------------------------------------------


def test_a_secret_item_stops_recording_and_the_gap_is_in_the_chain(
    opened: Meeting,
    chair: Any,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
    fresh_factor: Any,
) -> None:
    items = list(
        AgendaItem.objects.filter(meeting=opened, parent=None).order_by("position")
    )
    secret, open_item = items[1], items[2]
    AgendaItem.objects.filter(pk=secret.pk).update(is_secret=True)
    secret.refresh_from_db()
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=opened, item=secret)
    assert media_server.room_info(room=room).record is False
    stopped = last_event(opened, "media.recording_stopped")
    assert stopped.payload["reason"] == "secret_session"
    assert stopped.payload["item"] == str(secret.pk)
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=opened, item=open_item)
    assert media_server.room_info(room=room).record is True
    gap = last_event(opened, "media.recording_gap")
    assert gap.payload["reason"] == "secret_session"
    assert gap.payload["item"] == str(secret.pk)
    assert gap.payload["started_at"] == stopped.payload["at"]
    assert gap.payload["ended_at"] >= gap.payload["started_at"]
    assert "media.recording_resumed" in event_kinds(opened)


def test_a_secret_item_kicks_an_invitee_from_janus(
    opened: Meeting,
    chair: Any,
    invitee: Any,
    media_server: FakeMediaServer,
    present: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    items = list(
        AgendaItem.objects.filter(meeting=opened, parent=None).order_by("position")
    )
    first, secret = items[0], items[1]
    room_participants.admit_invitee(
        actor=chair, meeting=opened, user=invitee, item=first
    )
    present(invitee, opened)
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    answer = room_media_controls.join_info(meeting=opened, user=invitee)
    pid = media_server.join(
        room=room, display="invitee", pin=answer["pin"], opaque_id=answer["opaque_id"]
    )
    media_server.publish(room=room, participant=pid)
    AgendaItem.objects.filter(pk=secret.pk).update(is_secret=True)
    secret.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=opened, item=secret)
    assert pid not in {p.id for p in media_server.list_participants(room=room)}
    kicked = last_event(opened, "media.participant_kicked")
    assert kicked.payload == {
        "user": str(invitee.pk),
        "participants": [pid],
        "reason": "not_allowed_for_item",
    }


# --- chair controls ---------------------------------------------------------------


def test_chair_mutes_stops_video_requests_unmute_and_removes(
    opened: Meeting,
    chair: Any,
    members: list[Any],
    media_server: FakeMediaServer,
    listen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    member = members[0]
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    answer = room_media_controls.join_info(meeting=opened, user=member)
    pid = media_server.join(
        room=room, display="m", pin=answer["pin"], opaque_id=answer["opaque_id"]
    )
    media_server.publish(room=room, participant=pid)
    room_media_controls.mute_participant(actor=chair, meeting=opened, user=member)
    assert media_server.is_muted(room=room, participant=pid) == {
        "audio": True,
        "video": False,
    }
    room_media_controls.stop_video(actor=chair, meeting=opened, user=member)
    assert media_server.is_muted(room=room, participant=pid)["video"] is True
    mine = listen(room_state.user_group(opened.pk, member.pk))
    with django_capture_on_commit_callbacks(execute=True):
        room_media_controls.request_unmute(actor=chair, meeting=opened, user=member)
    assert media_server.is_muted(room=room, participant=pid)["audio"] is False
    assert {"type": "media.unmute_requested"} in mine.events()
    muted = last_event(opened, "media.participant_muted")
    assert muted.payload["user"] == str(member.pk)
    assert (muted.payload["audio"], muted.payload["video"]) == (False, True)
    with pytest.raises(PermissionDeniedError):
        room_media_controls.mute_participant(
            actor=members[1], meeting=opened, user=member
        )
    with django_capture_on_commit_callbacks(execute=True):
        room_participants.remove_participant(
            actor=chair, meeting=opened, user=member, reason="ก่อความวุ่นวาย"
        )
    assert media_server.list_participants(room=room) == []
    assert last_event(opened, "media.participant_kicked").payload["reason"] == "removed"


# --- the join answer ----------------------------------------------------------------


def test_join_is_refused_before_the_identity_check_and_given_after(
    opened: Meeting,
    members: list[Any],
    client: Any,
    fresh_factor: Any,
    settings: Any,
) -> None:
    member = members[3]  # on the roster, not identified yet
    refused = join_answer(client, opened, member)
    assert refused.status_code == 403
    assert "token" not in refused.json()
    fresh_factor(member)
    room_participants.check_identity(
        meeting=opened, user=member, location="remote", device_ok=True
    )
    answer = join_answer(client, opened, member).json()
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    assert answer["room"] == media_room.janus_room_id
    assert answer["server"] == settings.JANUS_PUBLIC_URL
    assert answer["record"] is True
    assert answer["role"] == "member"
    assert answer["publish"] == {"audio": True, "video": True}
    assert answer["ice_servers"] == []
    now = int(time.time())
    assert (
        check_janus_token(
            answer["token"], secret=settings.JANUS_TOKEN_SECRET, plugin=VR, now=now
        )
        == 0
    )
    # ADR 0011: valid past the meeting's planned end, capped by the setting.
    assert answer["token_expires_at"] - now >= settings.MEDIA_TOKEN_MIN_SECONDS - 5
    assert answer["token_expires_at"] - now <= settings.MEDIA_TOKEN_MAX_SECONDS + 5
    parsed = parse_opaque_id(answer["opaque_id"])
    assert parsed is not None
    assert parsed.user_id == str(member.pk)


def test_join_is_refused_when_the_meeting_is_not_open(
    notified_meeting: Meeting, members: list[Any], client: Any, identified: Any
) -> None:
    identified(members[0], notified_meeting)
    response = join_answer(client, notified_meeting, members[0])
    assert response.status_code == 403
    assert response.json()["code"] == "ROOM_NOT_OPEN"


def test_join_answers_503_when_janus_is_unreachable(
    opened: Meeting, members: list[Any], client: Any, settings: Any
) -> None:
    from prachum.media.models import MediaRoom

    MediaRoom.objects.filter(meeting=opened).update(destroyed_at=timezone.now())
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_HTTP_URL = "http://127.0.0.1:9/janus"
    settings.JANUS_ADMIN_URL = "http://127.0.0.1:9/admin"
    response = join_answer(client, opened, members[0])
    assert response.status_code == 503


def test_token_lifetime_follows_the_planned_end(opened: Meeting, settings: Any) -> None:
    settings.MEDIA_TOKEN_MARGIN_SECONDS = 1800
    settings.MEDIA_TOKEN_MIN_SECONDS = 600
    settings.MEDIA_TOKEN_MAX_SECONDS = 10 * 3600
    ends = opened.ends_at
    assert (
        room_media_controls.token_ttl_seconds(opened, now=ends - dt.timedelta(hours=1))
        == 5400
    )
    assert (
        room_media_controls.token_ttl_seconds(opened, now=ends + dt.timedelta(hours=5))
        == 600
    )
    assert (
        room_media_controls.token_ttl_seconds(opened, now=ends - dt.timedelta(days=3))
        == 10 * 3600
    )


# --- media presence → attendance ------------------------------------------------------


def test_presence_requires_audio_and_a_drop_is_an_incident_the_chair_sees(
    opened: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    settings: Any,
    listen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_PRESENCE_ENFORCED = True
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    # Four connected by socket, nobody's audio up: nobody counts.
    assert room_quorum.live_quorum(meeting=opened).counted == 0
    janus = JanusEvents(media_room.server)
    events: list[Any] = []
    handles = {}
    for n, user in enumerate((chair, vice_chair, members[0], members[1])):
        answer = room_media_controls.join_info(meeting=opened, user=user)
        handles[user.pk] = (1000 + n * 10, answer["opaque_id"])
        events += janus.join(
            handle=1000 + n * 10,
            opaque=answer["opaque_id"],
            room=media_room.janus_room_id,
            pid=500 + n,
        )
    deliver(events, django_capture_on_commit_callbacks)
    status = room_quorum.live_quorum(meeting=opened)
    assert status.counted == 4
    assert status.met
    assert presence.audio_up_users(meeting_id=opened.pk) == {
        str(u.pk) for u in (chair, vice_chair, members[0], members[1])
    }
    console = listen(room_state.console_group(opened.pk))
    handle, opaque = handles[members[0].pk]
    started = time.monotonic()
    deliver(
        janus.hangup(handle=handle, opaque=opaque), django_capture_on_commit_callbacks
    )
    elapsed = time.monotonic() - started
    incidents = [e for e in console.events() if e["type"] == "incident"]
    lost = [
        i["incident"]
        for i in incidents
        if i["incident"]["kind"] == IncidentKind.CONNECTION_LOST
    ]
    assert lost
    assert lost[0]["subject"] == str(members[0].pk)
    assert lost[0]["description"].startswith(room_media.MEDIA_LOST)
    assert elapsed < 5
    assert room_quorum.live_quorum(meeting=opened).counted == 3
    interval = MediaAudioInterval.objects.get(meeting=opened, user=members[0])
    assert interval.ended_at is not None
    assert interval.end_reason == "ICE failed"
    assert "media.presence_changed" in event_kinds(opened)


def test_a_forged_opaque_id_does_not_make_anyone_present(
    opened: Meeting,
    members: list[Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_PRESENCE_ENFORCED = True
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    forged = f"prachum:{opened.pk}:{members[0].pk}:deadbeef.0000"
    deliver(
        JanusEvents(media_room.server).join(
            handle=77, opaque=forged, room=media_room.janus_room_id, pid=1
        ),
        django_capture_on_commit_callbacks,
    )
    assert presence.audio_up_users(meeting_id=opened.pk) == set()


def test_without_the_committee_setting_audio_is_not_required(
    opened: Meeting, settings: Any
) -> None:
    settings.MEDIA_PRESENCE_ENFORCED = True
    committee = opened.committee
    committee.presence_requires_audio = False
    committee.save(update_fields=["presence_requires_audio"])
    opened.refresh_from_db()
    assert room_quorum.live_quorum(meeting=opened).counted == 4


# --- the media server dies --------------------------------------------------------------


class _Switchable:
    """A media server whose reachability the test sets (the real death is in the
    Janus test); everything else is the fake's."""

    def __init__(self, inner: FakeMediaServer) -> None:
        self.inner = inner
        self.name = inner.name
        self.up = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def health(self) -> MediaHealth:
        if not self.up:
            return MediaHealth(reachable=False, error="connection refused")
        return self.inner.health()


def test_watchdog_reports_down_once_and_up_once(
    opened: Meeting,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    server = _Switchable(media_server)
    watchdog = MediaWatchdog(server=server, process=False)  # type: ignore[arg-type]
    assert watchdog.poll_once().transition is None
    server.up = False
    with django_capture_on_commit_callbacks(execute=True):
        assert watchdog.poll_once().transition == "down"
        assert watchdog.poll_once().transition is None  # once
    down = Incident.objects.filter(
        meeting=opened, description__startswith=room_media.MEDIA_SERVER_DOWN
    )
    assert down.count() == 1
    assert (
        MediaServerStatus.objects.get(server=media_server.name).down_since is not None
    )
    server.up = True
    with django_capture_on_commit_callbacks(execute=True):
        assert watchdog.poll_once().transition == "up"
    gap = last_event(opened, "media.recording_gap")
    assert gap.payload["reason"] == "media_server_down"
    assert gap.payload["started_at"]
    assert gap.payload["ended_at"]
    assert "media.room_restored" in event_kinds(opened)


def test_the_rest_api_gives_the_same_join_answer_under_the_same_rule(
    opened: Meeting, members: list[Any], client: Any, fresh_factor: Any
) -> None:
    member = members[3]
    client.force_login(member)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    url = f"/api/meetings/{opened.pk}/media/join"
    refused = client.get(url)
    assert refused.status_code == 403
    assert refused.json()["code"] == "IDENTITY_CHECK_REQUIRED"
    fresh_factor(member)
    room_participants.check_identity(
        meeting=opened, user=member, location="remote", device_ok=True
    )
    answer = client.get(url)
    assert answer.status_code == 200
    media_room = live_media_room(meeting_id=opened.pk)
    assert media_room is not None
    assert answer.json()["room"] == media_room.janus_room_id
    assert answer.json()["role"] == "member"


def test_the_console_page_mutes_through_the_same_service(
    opened: Meeting,
    chair: Any,
    members: list[Any],
    media_server: FakeMediaServer,
    client: Any,
) -> None:
    member = members[0]
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    answer = room_media_controls.join_info(meeting=opened, user=member)
    pid = media_server.join(
        room=room, display="m", pin=answer["pin"], opaque_id=answer["opaque_id"]
    )
    media_server.publish(room=room, participant=pid)
    client.force_login(chair)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    url = reverse("attendance:media_mute", kwargs={"pk": opened.pk})
    response = client.post(url, {"user": str(member.pk)})
    assert response.status_code == 302
    assert media_server.is_muted(room=room, participant=pid)["audio"] is True
    assert last_event(opened, "media.participant_muted").payload["participants"] == [
        pid
    ]


def test_the_socket_commands_reach_the_media_services(
    opened: Meeting, chair: Any, members: list[Any], media_server: FakeMediaServer
) -> None:
    from prachum.realtime import commands, schemas

    member = members[0]
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    answer = room_media_controls.join_info(meeting=opened, user=member)
    pid = media_server.join(
        room=room, display="m", pin=answer["pin"], opaque_id=answer["opaque_id"]
    )
    media_server.publish(room=room, participant=pid)
    for frame, expected in (
        ({"type": "media.mute", "user": str(member.pk)}, (True, False)),
        ({"type": "media.unmute_request", "user": str(member.pk)}, (False, False)),
        ({"type": "media.stop_video", "user": str(member.pk)}, (False, True)),
    ):
        command = schemas.parse_message(frame)
        commands.run(command, meeting=opened, actor=chair)  # type: ignore[arg-type]
        muted = media_server.is_muted(room=room, participant=pid)
        assert (muted["audio"], muted["video"]) == expected, frame


def test_a_publisher_not_recorded_is_an_incident_once(
    opened: Meeting,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    room = live_media_room(meeting_id=opened.pk).janus_room_id  # type: ignore[union-attr]
    pid = media_server.join(
        room=room, display="m", pin=media_server.room_pin(room=room)
    )
    media_server.publish(room=room, participant=pid)
    watchdog = MediaWatchdog(server=media_server, process=False)
    assert watchdog.check_recordings(media_server) == []
    media_server.break_recording(room=room, participant=pid)  # as a full disk would
    with django_capture_on_commit_callbacks(execute=True):
        assert len(watchdog.check_recordings(media_server)) == 1
        assert watchdog.check_recordings(media_server) == []  # reported once
    incident = Incident.objects.get(
        meeting=opened, description__startswith=room_media.MEDIA_NOT_RECORDING
    )
    assert str(pid) in incident.description


def test_a_secret_meeting_records_nothing_and_the_gap_spans_open_to_close(
    secret_meeting: Meeting,
    open_room: Any,
    chair: Any,
    media_server: FakeMediaServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(secret_meeting)
    media_room = live_media_room(meeting_id=meeting.pk)
    assert media_room is not None
    assert media_server.room_info(room=media_room.janus_room_id).record is False
    stopped = last_event(meeting, "media.recording_stopped")
    with django_capture_on_commit_callbacks(execute=True):
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    gap = last_event(meeting, "media.recording_gap")
    assert gap.payload["reason"] == "secret_session"
    assert gap.payload["started_at"] == stopped.payload["at"]
    assert gap.payload["ended_at"] >= gap.payload["started_at"]


def test_before_the_media_room_exists_audio_is_not_required(
    notified_meeting: Meeting,
    open_room: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # With enforcement on from the start, the chair can still open on socket presence
    # (nobody could have audio before the room exists); afterwards audio counts.
    settings.MEDIA_PRESENCE_ENFORCED = True
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(notified_meeting)
    assert meeting.status == "open"
    assert live_media_room(meeting_id=meeting.pk) is not None
    assert room_quorum.live_quorum(meeting=meeting).counted == 0


# --- the meeting room's own computer (issue 13: the room connects to Janus once) ------


def test_the_room_computer_joins_as_the_meeting_room_and_only_for_the_console(
    hybrid_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    secretary: Any,
    members: list[Any],
    identified: Callable[..., Any],
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(hybrid_meeting)
    identified(secretary, meeting, location="in_room")
    answer = room_media_controls.join_info(
        meeting=meeting, user=secretary, as_room=True
    )
    assert (answer["display"], answer["role"]) == ("ห้องประชุม 301", "room")
    # a member may not speak for the room
    with pytest.raises(ServiceError) as caught:
        room_media_controls.join_info(meeting=meeting, user=members[0], as_room=True)
    assert caught.value.code == "CHAIR_ONLY"
    response = join_answer(client, meeting, members[0])
    assert response.status_code == 200
    assert response.json()["display"] == members[0].display_name


def test_an_electronic_meeting_has_no_room_to_connect(
    opened: Meeting, chair: Any
) -> None:
    with pytest.raises(ServiceError) as caught:
        room_media_controls.join_info(meeting=opened, user=chair, as_room=True)
    assert caught.value.code == "NOT_HYBRID"
