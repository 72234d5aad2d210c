"""Fixtures of SIP callers on the Django side: an opened meeting with a media room (the
fake media server), a fake AudioBridge and calls as the gateway reports them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.media.services import live_media_room
from prachum.meetings.models import Meeting
from prachum.telephony import caller_media, services
from prachum.telephony.models import SipCall

GATEWAY_NODE = "sipgw-test-1"


class FakeAudioBridge:
    """The :class:`prachum.telephony.caller_media.CallerMedia` a test inspects."""

    def __init__(self) -> None:
        self.muted: dict[tuple[int, int], bool] = {}
        self.kicked: list[tuple[int, int]] = []

    def mute(self, *, room: int, participant: int, muted: bool) -> None:
        self.muted[(room, participant)] = muted

    def kick(self, *, room: int, participant: int) -> None:
        self.kicked.append((room, participant))


@pytest.fixture(autouse=True)
def _telephony_settings(settings: Any) -> None:
    settings.MEDIA_SERVER = "prachum.media.fake.FakeMediaServer"
    settings.JANUS_TOKEN_SECRET = "test-token-secret"
    settings.JANUS_ROOM_ADMIN_KEY = "test-room-key"
    settings.SIP_ENABLED = True
    settings.SIP_DOMAIN = "sip.example.go.th"
    settings.SIP_PIN_TRIES = 3
    settings.SIP_TRUSTED_SOURCES = ["192.0.2.0/28"]


@pytest.fixture
def audio_bridge() -> Iterator[FakeAudioBridge]:
    fake = FakeAudioBridge()
    caller_media.use_caller_media(fake)
    yield fake
    caller_media.use_caller_media(None)


@pytest.fixture
def sip_meeting(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    """The notified meeting opened (four present), its media room live."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(notified_meeting)
    assert live_media_room(meeting_id=meeting.pk) is not None
    return meeting


@pytest.fixture
def new_call() -> Callable[..., SipCall]:
    """``new_call(**overrides)``: a call as the gateway reports it when answered."""
    counter = itertools.count(1)

    def make(**overrides: Any) -> SipCall:
        n = next(counter)
        info = {
            "call_id": f"call-{n}@198.51.100.20",
            "from_uri": f"sip:+6621234{n:03d}@pstn.example.net",
            "source_ip": "198.51.100.20",
            "source_port": 5060 + n,
            "transport": "udp",
            "codec": "pcma",
            "server_node": GATEWAY_NODE,
            "user_agent": "Cisco-CE/9.15",
            **overrides,
        }
        return services.call_started(services.CallInfo(**info))

    return make


@pytest.fixture
def dial_in(
    new_call: Callable[..., SipCall],
) -> Callable[..., SipCall]:
    """``dial_in(user, meeting)``: dial code, PIN, and into the room with audio."""
    participants = itertools.count(7001)

    def run(user: Any, meeting: Meeting, **call: Any) -> SipCall:
        sip_call = new_call(**call)
        found = services.find_meeting(sip_call, dial_code_for(meeting))
        assert found == meeting
        who = services.try_pin(sip_call, meeting, pin_for(meeting, user))
        assert who == user
        media_room = live_media_room(meeting_id=meeting.pk)
        assert media_room is not None
        services.caller_joined(
            sip_call,
            user,
            meeting,
            next(participants),
            "janus-audiobridge-test",
            audio_room=media_room.janus_room_id,
        )
        sip_call.refresh_from_db()
        return sip_call

    return run
