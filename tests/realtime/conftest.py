"""Fixtures for the room socket: both channel layers, a notified meeting, identified
people, session cookies, and WebSocket clients around the real ASGI application.

Every consumer test runs twice: on the in-memory channel layer and on
``channels_redis`` against the Redis at ``redis://127.0.0.1:6379/15`` (flushed
before each test). Without Redis the Redis half is skipped locally and fails in CI
(``CI=true``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import import_module
from typing import Any

import pytest
import pytest_asyncio
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from config.asgi import application
from prachum.accounts.models import SecondFactorVerification
from prachum.accounts.session_keys import SECOND_FACTOR_OK
from prachum.attendance.models import IdentityCheck, LocationKind
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.notices import services as notice_services
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants

REDIS_URL = os.environ.get("PRACHUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# redis-py 8 reads with a 5 s socket timeout by default, as long as channels_redis
# blocks in BZPOPMIN (``brpop_timeout`` = 5 s): an idle consumer then dies with
# "Timeout reading from ..." (django/channels_redis#422). The timeout must be longer.
REDIS_SOCKET_TIMEOUT = 10
LAYERS = {
    "memory": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    "redis": {
        "default": {
            # The layer production uses with Redis (channels_redis riding out outages).
            "BACKEND": "prachum.realtime.redis_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": REDIS_SOCKET_TIMEOUT}
                ]
            },
        }
    },
}
ORIGIN = b"http://127.0.0.1:8000"
USER_AGENT = "Mozilla/5.0 (Prachum socket test)"
TIMEOUT = 10
CLOSED = "websocket.close"

Frame = dict[str, Any]


def _flush_redis() -> None:
    """Empty the test database of Redis; fail in CI, skip elsewhere, when it is down."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis at {REDIS_URL} is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(params=sorted(LAYERS))
def channel_layer(request: pytest.FixtureRequest, settings: Any) -> str:
    """The channel layer under test: ``memory`` or ``redis``."""
    name: str = request.param
    if name == "redis":
        _flush_redis()
    settings.CHANNEL_LAYERS = LAYERS[name]
    return name


@pytest.fixture
def room_meeting(meeting: Meeting, chair: Any, secretary: Any) -> Meeting:
    """The ``meeting`` after the chair's decision and the secretary's notice."""
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    notice_services.send_notice(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def identify(user: Any, meeting: Meeting) -> IdentityCheck:
    """A fresh second factor, then the identity check for ``meeting`` (as the page does)."""
    SecondFactorVerification.objects.create(
        user=user, method="totp", ip_address="203.0.113.5", user_agent=USER_AGENT
    )
    return room_participants.check_identity(
        meeting=meeting,
        user=user,
        location=LocationKind.REMOTE,
        device_ok=True,
        in_kingdom=True,
        user_agent=USER_AGENT,
    )


def open_room(meeting: Meeting, chair: Any) -> None:
    """The chair opens the meeting (without quorum, with the reason recorded)."""
    room_lifecycle.open_meeting(
        actor=chair, meeting=meeting, without_quorum_reason="การทดสอบระบบ"
    )


def session_cookie(user: Any, *, second_factor: bool = True) -> str:
    """A saved session for ``user`` as the login view leaves it; returns its key."""
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if second_factor:
        store[SECOND_FACTOR_OK] = True
    store.save()
    return str(store.session_key)


class Client:
    """A browser's socket to the room, with helpers to read frames in order."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.closed_with: int | None = None

    async def send(self, message: dict[str, Any]) -> None:
        await self.communicator.send_json_to(message)

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_to(bytes_data=data)

    async def receive(self, timeout: float = TIMEOUT) -> Frame:
        """The next frame; a close is returned as ``{"type": CLOSED, "code": n}``."""
        output = await self.communicator.receive_output(timeout)
        if output["type"] == CLOSED:
            self.closed_with = output.get("code", 1000)
            return {"type": CLOSED, "code": self.closed_with}
        assert output["type"] == "websocket.send", output
        frame: Frame = json.loads(output["text"])
        return frame

    async def receive_until(
        self, predicate: Callable[[Frame], bool], timeout: float = TIMEOUT
    ) -> tuple[Frame, list[Frame]]:
        """Skip frames until one matches; returns it and the frames skipped."""
        skipped: list[Frame] = []
        while True:
            frame = await self.receive(timeout)
            if predicate(frame):
                return frame, skipped
            assert frame["type"] != CLOSED, (frame, skipped)
            skipped.append(frame)

    async def nothing_more(self, timeout: float = 0.3) -> bool:
        result: bool = await self.communicator.receive_nothing(timeout)
        return result

    async def disconnect(self) -> None:
        await self.communicator.disconnect(timeout=TIMEOUT)


Connect = Callable[..., Awaitable[Client]]


async def enter_room(
    connect_socket: Connect, user: Any, meeting: Meeting
) -> tuple[Client, Frame]:
    """Identify ``user``, connect, and read the snapshot every join starts with."""
    from channels.db import database_sync_to_async

    await database_sync_to_async(identify)(user, meeting)
    socket = await connect_socket(user, meeting)
    frame = await socket.receive()
    assert frame["type"] == "snapshot"
    return socket, frame["snapshot"]


@pytest_asyncio.fixture
async def connect_socket(channel_layer: str) -> AsyncIterator[Connect]:
    """``await connect(user, meeting)``: a socket that passed the HTTP handshake.

    ``user=None`` connects without a session; ``second_factor=False`` with a session
    that passed only the password. Every socket is disconnected at the end, so the
    consumer records the end of the connection before the database is emptied.
    """
    from channels.db import database_sync_to_async

    opened: list[Client] = []

    async def run(
        user: Any,
        meeting: Meeting,
        *,
        second_factor: bool = True,
        headers: list[tuple[bytes, bytes]] | None = None,
        cookies: dict[str, str] | None = None,
        client: tuple[str, int] = ("198.51.100.7", 51234),
    ) -> Client:
        all_headers = [(b"origin", ORIGIN), (b"user-agent", USER_AGENT.encode())]
        jar = dict(cookies or {})
        if user is not None:
            jar[django_settings.SESSION_COOKIE_NAME] = await database_sync_to_async(
                session_cookie
            )(user, second_factor=second_factor)
        if jar:
            cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
            all_headers.append((b"cookie", cookie.encode()))
        all_headers += headers or []
        communicator = WebsocketCommunicator(
            application, f"/ws/meetings/{meeting.pk}/", headers=all_headers
        )
        communicator.scope["client"] = client
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected, "the handshake was refused"
        socket = Client(communicator)
        opened.append(socket)
        return socket

    yield run
    for socket in opened:
        if not socket.communicator.future.done():
            await socket.disconnect()
    layer = get_channel_layer()
    if layer is not None:
        await layer.flush()


def is_type(kind: str) -> Callable[[Frame], bool]:
    return lambda frame: frame["type"] == kind


def is_event(kind: str) -> Callable[[Frame], bool]:
    return lambda frame: frame["type"] == "event" and frame["kind"] == kind
