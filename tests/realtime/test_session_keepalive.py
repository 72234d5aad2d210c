"""The room socket and the session's lifetime (issue 15, F9)."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from prachum.accounts.session_freshness import LAST_SEEN_AT, LOGGED_IN_AT
from prachum.meetings.models import Meeting
from tests.realtime.conftest import Connect, identify, session_cookie

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _session(user: Any, *, logged_in_ago: int, seen_ago: int) -> str:
    key = session_cookie(user)
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    now = int(time.time())
    store[LOGGED_IN_AT] = now - logged_in_ago
    store[LAST_SEEN_AT] = now - seen_ago
    store.save()
    return key


def _last_seen(key: str) -> int:
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return int(store[LAST_SEEN_AT])


async def test_f9_the_room_heartbeat_refreshes_the_session(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    await database_sync_to_async(identify)(member, room_meeting)
    key = await database_sync_to_async(_session)(
        member, logged_in_ago=3600, seen_ago=25 * 60
    )
    before = int(time.time())
    socket = await connect_socket(
        None, room_meeting, cookies={settings.SESSION_COOKIE_NAME: key}
    )
    assert (await socket.receive())["type"] == "snapshot"
    await socket.send({"type": "ping"})
    assert await socket.receive() == {"type": "pong"}
    assert await database_sync_to_async(_last_seen)(key) >= before


async def test_f9_a_socket_with_an_idle_session_is_refused(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    await database_sync_to_async(identify)(member, room_meeting)
    key = await database_sync_to_async(_session)(
        member, logged_in_ago=3600, seen_ago=31 * 60
    )
    socket = await connect_socket(
        None, room_meeting, cookies={settings.SESSION_COOKIE_NAME: key}
    )
    frame = await socket.receive()
    assert frame["type"] == "error"
    assert frame["code"] == "NOT_AUTHENTICATED"


async def test_a_socket_with_a_session_older_than_12_hours_is_refused(
    connect_socket: Connect, room_meeting: Meeting, member: Any
) -> None:
    await database_sync_to_async(identify)(member, room_meeting)
    key = await database_sync_to_async(_session)(
        member, logged_in_ago=12 * 3600 + 60, seen_ago=60
    )
    socket = await connect_socket(
        None, room_meeting, cookies={settings.SESSION_COOKIE_NAME: key}
    )
    frame = await socket.receive()
    assert frame["type"] == "error"
    assert frame["code"] == "NOT_AUTHENTICATED"
