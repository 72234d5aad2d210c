"""Fixtures for the live room: notified meetings, identified and connected people, a
fake server clock, and listeners on the channel layer's groups.

Everything goes through the services (the notice is really sent, the identity check
really needs a fresh second factor). The two things replaced are outside our code:
the channel layer is the in-memory one, and ``chronyc`` is a script on ``PATH`` that
prints what chrony prints.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance.models import Connection, IdentityCheck, LocationKind
from prachum.committees.models import Committee, Role
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.notices import services as notice_services
from prachum.room import connections as room_connections
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from tests.attendance.clock_commands import (
    CHRONYC_SYNCED,
    CHRONYC_UNSYNCED,
    write_command,
)
from tests.conftest import bangkok_at
from tests.factories import MembershipFactory, UserFactory

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) PrachumTest/1.0"
SERVER_NODE = "web-test-7"


@pytest.fixture
def server_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., None]:
    """``server_clock(synced=False)`` makes ``chronyc tracking`` say so from now on."""
    folder = tmp_path / "clock-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def set_clock(*, synced: bool = True) -> None:
        write_command(folder, "chronyc", CHRONYC_SYNCED if synced else CHRONYC_UNSYNCED)

    set_clock(synced=True)
    return set_clock


@pytest.fixture(autouse=True)
def _room_settings(settings: Any, server_clock: Callable[..., None]) -> None:
    """An in-memory channel layer of our own, a named node, a synchronised clock."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    settings.SERVER_NODE = SERVER_NODE
    settings.IDENTITY_CHECK_FRESH_MINUTES = 10


class GroupListener:
    """A channel added to one group; ``events()`` returns what arrived since last time."""

    def __init__(self, layer: BaseChannelLayer, group: str) -> None:
        self.layer = layer
        self.group = group
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group, self.channel)

    def messages(self) -> list[dict[str, Any]]:
        out = []
        # Only receive what is queued: a receive on an empty in-memory channel waits.
        while (queue := self.layer.channels.get(self.channel)) and not queue.empty():  # type: ignore[attr-defined]
            out.append(async_to_sync(self.layer.receive)(self.channel))
        return out

    def events(self) -> list[dict[str, Any]]:
        messages = self.messages()
        assert all(m["type"] == "room.event" for m in messages), messages
        return [m["event"] for m in messages]


@pytest.fixture
def listen(_room_settings: None) -> Iterator[Callable[[str], GroupListener]]:
    layer = get_channel_layer()
    assert layer is not None
    yield lambda group: GroupListener(layer, group)
    async_to_sync(layer.flush)()  # type: ignore[attr-defined]


@pytest.fixture
def notify(chair: Any, secretary: Any) -> Callable[[Meeting], Meeting]:
    """The chair decides to meet electronically and the secretary sends the notice."""

    def run(meeting: Meeting) -> Meeting:
        meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
        notice_services.send_notice(actor=secretary, meeting=meeting)
        meeting.refresh_from_db()
        return meeting

    return run


@pytest.fixture
def notified_meeting(meeting: Meeting, notify: Callable[[Meeting], Meeting]) -> Meeting:
    """The electronic ``meeting`` ten days ahead, its notice sent (status notified)."""
    return notify(meeting)


@pytest.fixture
def hybrid_meeting(
    make_meeting: Callable[..., Meeting], notify: Callable[[Meeting], Meeting]
) -> Meeting:
    return notify(make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"))


@pytest.fixture
def secret_meeting(
    committee: Committee, secretary: Any, notify: Callable[[Meeting], Meeting]
) -> Meeting:
    starts_at = bangkok_at(12)
    meeting = meeting_services.schedule_meeting(
        actor=secretary,
        committee=committee,
        title="การประชุมลับ",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        mode=MeetingMode.ELECTRONIC,
        is_secret=True,
    )
    return notify(meeting)


@pytest.fixture
def members(committee: Committee) -> list[Any]:
    """The six ordinary members, member1 .. member6."""
    return [
        m.user
        for m in committee.memberships.filter(role=Role.MEMBER)
        .select_related("user")
        .order_by("user__username")
    ]


@pytest.fixture
def invitee(committee: Committee) -> Any:
    return MembershipFactory(
        committee=committee,
        role=Role.INVITEE,
        user=UserFactory(username="invitee", full_name="ผู้เข้าร่วม ชี้แจง"),
    ).user


@pytest.fixture
def fresh_factor() -> Callable[..., SecondFactorVerification]:
    """Record that ``user`` just entered a one-time code (as the login view does)."""

    def make(user: Any, method: str = "totp") -> SecondFactorVerification:
        return SecondFactorVerification.objects.create(
            user=user, method=method, ip_address="203.0.113.5", user_agent=USER_AGENT
        )

    return make


@pytest.fixture
def identified(
    fresh_factor: Callable[..., SecondFactorVerification],
) -> Callable[..., IdentityCheck]:
    """``identified(user, meeting)``: a fresh second factor, then ``check_identity``."""

    def run(
        user: Any,
        meeting: Meeting,
        *,
        location: str = LocationKind.REMOTE,
        in_kingdom: bool | None = None,
        method: str = "totp",
        ip_address: str = "203.0.113.10",
    ) -> IdentityCheck:
        fresh_factor(user, method)
        return room_participants.check_identity(
            meeting=meeting,
            user=user,
            location=location,
            device_ok=True,
            in_kingdom=in_kingdom,
            ip_address=ip_address,
            user_agent=USER_AGENT,
        )

    return run


@pytest.fixture
def connect() -> Callable[..., Connection]:
    """``connect(user, meeting)``: one socket joins, with a fake channel and address."""
    counter = itertools.count(1)

    def run(user: Any, meeting: Meeting) -> Connection:
        n = next(counter)
        return room_connections.open_connection(
            meeting=meeting,
            user=user,
            channel_name=f"specific.inmemory!{user.username}{n}",
            session_key=f"session-key-{user.username}",
            ip_address=f"198.51.100.{n}",
            port=50000 + n,
            user_agent=USER_AGENT,
        )

    return run


@pytest.fixture
def present(
    identified: Callable[..., IdentityCheck], connect: Callable[..., Connection]
) -> Callable[..., Connection]:
    """Identified, then connected."""

    def run(user: Any, meeting: Meeting, **check: Any) -> Connection:
        identified(user, meeting, **check)
        return connect(user, meeting)

    return run


@pytest.fixture
def open_room(
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Connection],
) -> Callable[[Meeting], Meeting]:
    """Four voting members present (the quorum of eight), then the chair opens."""

    def run(meeting: Meeting) -> Meeting:
        for user in (chair, vice_chair, members[0], members[1]):
            present(user, meeting)
        room_lifecycle.open_meeting(actor=chair, meeting=meeting)
        meeting.refresh_from_db()
        return meeting

    return run


def event_kinds(meeting: Meeting) -> list[str]:
    return [e.kind for e in list_events(chain_key=meeting.chain_key)]


def last_event(meeting: Meeting, kind: str) -> Any:
    return list_events(chain_key=meeting.chain_key).filter(kind=kind).last()
