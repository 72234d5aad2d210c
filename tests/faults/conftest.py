"""Fault tests (issue 15 point 10): real processes killed or stopped mid-meeting.

They run on PostgreSQL, the database production uses: on SQLite the tests of this
folder are deselected (not skipped: ``CI=true`` refuses skips), and CI's PostgreSQL run
carries them. Each test starts its own web processes (uvicorn), worker and Redis on
loopback; see :mod:`tests.faults.processes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.collection import deselect
from tests.faults.clients import Api, RoomClient
from tests.faults.processes import Managed, WebProcess, web_process
from tests.sessions import session_for

HERE = Path(__file__).parent


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if connection.vendor == "postgresql":
        return
    deselect(config, items, lambda item: Path(str(item.fspath)).is_relative_to(HERE))


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Managed]]:
    """Every process a test starts; all stopped at the end, their logs on failure."""
    started: list[Managed] = []
    yield started
    for managed in reversed(started):
        managed.stop()


@pytest.fixture
def start_web(tmp_path: Path, processes: list[Managed]) -> Callable[..., WebProcess]:
    def start(name: str = "web-1", **env: str) -> WebProcess:
        web = web_process(tmp_path, name=name, **env)
        processes.append(web)
        return web.start()

    return start


@pytest.fixture
def room_clients() -> Iterator[list[RoomClient]]:
    clients: list[RoomClient] = []
    yield clients
    for client in clients:
        client.stop()


@pytest.fixture
def people_in_room(
    room_clients: list[RoomClient],
) -> Callable[..., dict[Any, RoomClient]]:
    """``people_in_room(web, meeting, users)``: each user's room socket on ``web``."""

    def join(web: WebProcess, meeting: Any, users: list[Any]) -> dict[Any, RoomClient]:
        joined = {}
        for user in users:
            client = RoomClient(web.ws_url, meeting.pk, session_for(user)).start()
            room_clients.append(client)
            joined[user] = client
        for client in joined.values():
            client.wait_until(
                lambda c: c.version is not None, seconds=20, what="first snapshot"
            )
        return joined

    return join


@pytest.fixture
def api_for() -> Callable[[WebProcess, Any], Api]:
    return lambda web, user: Api(web.url, session_for(user))
