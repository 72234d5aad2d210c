"""Redis, the channel layer between two web processes, stops for 10 s (issue 15 point 10).

Half the room is on one web process, half on the other; room events cross between them
through Redis. While Redis is away the room goes on (a command is still answered, a
person may leave); when it is back every socket has reconnected or resynced: each
client shows the room's current version and quorum (nobody keeps a stale quorum), and
the next change reaches everyone again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prachum.attendance.models import RoomState
from tests.faults.clients import Api, RoomClient
from tests.faults.processes import Managed, RedisServer, WebProcess

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 10


def _room_now(meeting: Any, api: Api) -> tuple[int, int]:
    status, quorum = api.get(f"/api/meetings/{meeting.pk}/quorum")
    assert status == 200, quorum
    return RoomState.objects.get(meeting=meeting).version, int(quorum["counted"])


def _all_current(
    clients: dict[Any, RoomClient], meeting: Any, api: Api, *, seconds: float
) -> None:
    """Every client shows the room's version and quorum (waits for them to settle)."""
    deadline = time.monotonic() + seconds
    while True:
        version, counted = _room_now(meeting, api)
        behind = {
            user.username: client.seen()
            for user, client in clients.items()
            if client.seen()[0] != version
            or (client.seen()[1] or {}).get("counted") != counted
        }
        if not behind:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"stale after {seconds} s: room at version {version}, "
                f"quorum {counted}; clients {behind}"
            )
        time.sleep(0.2)


def test_redis_stopped_for_ten_seconds_with_two_web_processes(
    tmp_path: Path,
    notified_meeting: Any,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    identified: Callable[..., Any],
    room_settings: None,
    processes: list[Managed],
    start_web: Callable[..., WebProcess],
    people_in_room: Callable[..., dict[Any, RoomClient]],
    api_for: Callable[[WebProcess, Any], Api],
) -> None:
    meeting = notified_meeting
    redis = RedisServer(tmp_path / "redis").start()
    assert redis.managed is not None
    processes.append(redis.managed)
    web1 = start_web("web-1", REDIS_URL=redis.url)
    web2 = start_web("web-2", REDIS_URL=redis.url)
    voters = [chair, vice_chair, *members]
    for user in voters:
        identified(user, meeting)
    on_web1 = people_in_room(web1, meeting, voters[:4])
    on_web2 = people_in_room(web2, meeting, voters[4:])
    clients = {**on_web1, **on_web2}
    api = api_for(web1, chair)
    assert on_web1[chair].command({"type": "meeting.open"})["type"] == "ack"
    _all_current(clients, meeting, api, seconds=20)  # events cross between processes

    redis.stop()
    stopped_at = time.monotonic()
    # The room goes on: a command is answered, someone leaves, someone asks to speak.
    answer = on_web1[chair].command({"type": "hand.raise"}, seconds=10)
    assert answer["type"] == "ack", answer
    leaver = voters[-1]
    clients.pop(leaver).stop()
    status, body = api_for(web2, vice_chair).get(f"/api/meetings/{meeting.pk}/quorum")
    assert status == 200, body
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    redis.start()

    # Nobody keeps a stale room: every client caught up by patch or snapshot.
    _all_current(clients, meeting, api, seconds=30)
    # And events flow between the processes again.
    answer = on_web2[voters[4]].command({"type": "hand.raise"}, seconds=10)
    assert answer["type"] == "ack", answer
    _all_current(clients, meeting, api, seconds=15)
