"""Sessions end when idle or too old; an open room keeps them alive (issue 15, F9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from prachum.accounts import session_freshness
from prachum.accounts.models import User
from tests.accounts.conftest import START, full_login

pytestmark = pytest.mark.django_db

PAGE = "/meetings/"
LOGIN = "/accounts/login/"


def _logged_in(client: Client, user: User) -> None:
    full_login(client, user)
    assert client.get(PAGE).status_code == 200


def test_f9_an_idle_session_ends_after_30_minutes(user: User) -> None:
    client = Client(headers={"accept-language": "th"})
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        traveller.shift(timedelta(minutes=31))
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        notes = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("หมดอายุ" in note for note in notes), notes
        # Logged out for good: the next page asks for a login again.
        assert client.get(PAGE).status_code == 302


def test_a_session_used_within_30_minutes_stays(client: Client, user: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        for _ in range(4):
            traveller.shift(timedelta(minutes=29))
            assert client.get(PAGE).status_code == 200


def test_f9_a_session_ends_after_12_hours_even_if_active(
    client: Client, user: User
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        for _ in range(35):  # every 20 minutes for 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(minutes=20))  # 12 h after the login
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_an_expired_session_gets_401_json_from_the_api(
    client: Client, user: User
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        traveller.shift(timedelta(minutes=45))
        response = client.get("/api/meetings")
        assert response.status_code == 401
        assert response.json()["code"] == "SESSION_EXPIRED"


def test_the_cookie_itself_lasts_no_more_than_12_hours(
    client: Client, user: User
) -> None:
    _logged_in(client, user)
    response = client.get(PAGE)
    cookie = response.cookies.get("sessionid") or client.cookies["sessionid"]
    assert 0 < int(cookie["max-age"]) <= 12 * 3600


def test_the_room_heartbeat_keeps_the_session_alive(client: Client, user: User) -> None:
    """What the room socket calls on its heartbeat (prachum.realtime.consumers)."""
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        key = client.session.session_key
        assert key
        for _ in range(3):  # 75 minutes in the room, no page opened
            traveller.shift(timedelta(minutes=25))
            session_freshness.touch_stored(key)
        assert client.get(PAGE).status_code == 200


def test_the_heartbeat_does_not_revive_an_ended_session(
    client: Client, user: User
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _logged_in(client, user)
        key = client.session.session_key
        assert key
        traveller.shift(timedelta(minutes=31))
        session_freshness.touch_stored(key)
        assert client.get(PAGE).status_code == 302
