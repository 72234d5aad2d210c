"""PostgreSQL is restarted in the middle of a meeting (issue 15 point 10).

While it is down, pages answer with a Thai "try again shortly" (503), not a crash; a
socket that ends meanwhile is recorded as ended once the database is back; after it is
back no page or API call fails (the pool hands out no dead connection), the room's
sockets carry on or reconnect and resync, and no event is lost: the evidence chain is
whole and every client shows the room's current version and quorum.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from prachum.attendance.models import Connection, RoomState
from prachum.evidence.selectors import check_chain, list_events
from tests.faults.clients import Api, RoomClient
from tests.faults.processes import (
    WebProcess,
    pg_ctlcluster,
    postgres_cluster,
    wait_for_postgres,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres_control() -> Iterator[Callable[[str], None]]:
    """Stop and start the cluster of the test database; it is running again after."""

    def act(action: str) -> None:
        pg_ctlcluster(action)
        if action != "stop":
            wait_for_postgres()
            connection.close()  # this process's connection died with the server

    try:
        yield act
    finally:
        if _down():
            pg_ctlcluster("start")
        wait_for_postgres()
        connection.close()


def _down() -> bool:
    version, name = postgres_cluster()
    status = subprocess.run(
        ["pg_ctlcluster", version, name, "status"], capture_output=True, check=False
    )
    return status.returncode != 0


def test_postgres_restarted_mid_meeting(
    notified_meeting: Any,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    identified: Callable[..., Any],
    room_settings: None,
    start_web: Callable[..., WebProcess],
    people_in_room: Callable[..., dict[Any, RoomClient]],
    api_for: Callable[[WebProcess, Any], Api],
    postgres_control: Callable[[str], None],
) -> None:
    meeting = notified_meeting
    voters = [chair, vice_chair, *members]
    for user in voters:
        identified(user, meeting)
    # A request waits this long for a connection before it is told the database is
    # away; short, so the outage below outlasts it (the default is 10 s).
    web = start_web("web-1", DATABASE_POOL_TIMEOUT="2")
    clients = people_in_room(web, meeting, voters)
    assert clients[chair].command({"type": "meeting.open"})["type"] == "ack"
    chair_api = api_for(web, chair)
    leaver = members[-1]

    postgres_control("stop")
    try:
        status, body = chair_api.get(f"/api/meetings/{meeting.pk}/quorum")
        assert status == 503, (status, body)
        assert body["code"] == "DATABASE_UNAVAILABLE", body
        page = chair_api.request("GET", f"/meetings/{meeting.pk}/")
        assert page[0] == 503, page
        assert "ฐานข้อมูล" in page[1], page[1][:500]
        # Someone leaves while the database is away.
        clients[leaver].stop()
        time.sleep(4)
    finally:
        postgres_control("start")

    # Back: the pool may take a moment to open new connections after the restart
    # (its reconnection backs off during the outage); meanwhile pages are the Thai
    # 503 page that reloads itself. Within 15 s the first page answers ...
    deadline = time.monotonic() + 15
    status, body = chair_api.request("GET", "/meetings/")
    while status == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
        status, body = chair_api.request("GET", "/meetings/")
    assert status == 200, (status, str(body)[:300])
    # ... and from then on nothing fails, on pages, the API or the socket.
    for path in (
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/room/",
    ):
        status, body = chair_api.request("GET", path)
        assert status == 200, (path, status, str(body)[:300])
    for _ in range(5):
        status, body = chair_api.get(f"/api/meetings/{meeting.pk}/quorum")
        assert status == 200, body
    answer = clients[chair].command({"type": "hand.raise"}, seconds=20)
    assert answer["type"] == "ack", answer

    # The socket that ended while the database was down is ended in the record.
    def leaver_gone() -> bool:
        return not Connection.objects.filter(
            meeting=meeting, user=leaver, disconnected_at__isnull=True
        ).exists()

    deadline = time.monotonic() + 30
    while not leaver_gone() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leaver_gone(), "the socket that ended during the outage is still open"

    # No event lost: the chain is whole, and every client shows the room as it is.
    assert check_chain(chain_key=meeting.chain_key).ok
    room_version = RoomState.objects.get(meeting=meeting).version
    status, quorum = chair_api.get(f"/api/meetings/{meeting.pk}/quorum")
    assert status == 200, quorum
    for user, client in clients.items():
        if user == leaver:
            continue
        client.wait_until(
            lambda c: c.seen()[0] == room_version,
            seconds=30,
            what=f"{user.username} at version {room_version}",
        )
        assert client.seen()[1]["counted"] == quorum["counted"], user.username
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert kinds.count("attendance.left") >= 1
