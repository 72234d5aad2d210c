"""Fixtures for the meeting's media: a media server for the live room of
``tests/fixtures/room.py``."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from prachum.media.config import JanusConfig, write
from prachum.media.fake import FakeMediaServer
from prachum.media.loader import get_media_server
from prachum.meetings.models import Meeting
from tests.media.conftest import (
    JanusProcess,
    _free_port,
    _start_receiver,
    _wait_for_api,
)


@pytest.fixture(autouse=True)
def _media_settings(settings: Any) -> None:
    settings.MEDIA_SERVER = "prachum.media.fake.FakeMediaServer"
    settings.JANUS_TOKEN_SECRET = "test-token-secret"
    settings.JANUS_ROOM_ADMIN_KEY = "test-room-key"
    settings.JANUS_PUBLIC_URL = "http://127.0.0.1:8088/janus"


@pytest.fixture
def media_server() -> FakeMediaServer:
    server = get_media_server()
    assert isinstance(server, FakeMediaServer)
    return server


@pytest.fixture
def opened(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    with django_capture_on_commit_callbacks(execute=True):
        return open_room(notified_meeting)


def spawn_janus(config: JanusConfig, log: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("janus")
    assert binary is not None
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                binary,
                "-C",
                str(config.config_dir / "janus.jcfg"),
                "-F",
                str(config.config_dir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
def own_janus(tmp_path: Path, settings: Any) -> Iterator[JanusProcess]:
    if shutil.which("janus") is None:
        message = "Janus is not installed (apt-get install janus)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": required in CI")
        pytest.skip(message)
    receiver_server, receiver = _start_receiver()
    http_port, admin_port, ws_port = _free_port(), _free_port(), _free_port()
    config = JanusConfig(
        config_dir=tmp_path / "etc",
        recordings_dir=tmp_path / "recordings",
        events_url=receiver.url,
        api_secret=secrets.token_urlsafe(24),
        admin_secret=secrets.token_urlsafe(24),
        token_secret=secrets.token_urlsafe(24),
        room_admin_key=secrets.token_urlsafe(24),
        events_secret=secrets.token_urlsafe(24),
        server_name="janus-meeting-test",
        http_port=http_port,
        admin_port=admin_port,
        ws_port=ws_port,
        ice_enforce_list="lo",
        interface="127.0.0.1",
    )
    write(config)
    log = tmp_path / "janus.log"
    process = spawn_janus(config, log)
    http_url = f"http://127.0.0.1:{http_port}/janus"
    _wait_for_api(http_url, process, timeout=15)
    admin_url = f"http://127.0.0.1:{admin_port}/admin"
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_HTTP_URL = http_url
    settings.JANUS_ADMIN_URL = admin_url
    settings.JANUS_ADMIN_SECRET = config.admin_secret
    settings.JANUS_TOKEN_SECRET = config.token_secret
    settings.JANUS_ROOM_ADMIN_KEY = config.room_admin_key
    settings.JANUS_SERVER_NAME = config.server_name
    settings.JANUS_RECORDINGS_DIR = config.recordings_dir
    handle = JanusProcess(config, process, log, receiver, http_url, admin_url)
    try:
        yield handle
    finally:
        for proc in {handle.process, process}:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        receiver_server.shutdown()
        receiver_server.server_close()


VR = "janus.plugin.videoroom"


class JanusEvents:
    """Janus's event handler's part: events for one browser's handle."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.t = int(time.time() * 1_000_000)
        self.n = 0

    def _ev(self, type_: int, event: dict[str, Any], **top: Any) -> dict[str, Any]:
        self.n += 1
        return {
            "emitter": self.server,
            "type": type_,
            "timestamp": self.t + self.n,
            **top,
            "event": event,
        }

    def join(self, *, handle: int, opaque: str, room: int, pid: int) -> list[Any]:
        top = {"session_id": handle + 1, "handle_id": handle, "opaque_id": opaque}
        return [
            self._ev(2, {"name": "attached", "plugin": VR, "opaque_id": opaque}, **top),
            self._ev(
                64,
                {
                    "plugin": VR,
                    "data": {"event": "joined", "room": room, "id": pid},
                },
                **top,
            ),
            self._ev(16, {"connection": "webrtcup"}, subtype=6, **top),
        ]

    def hangup(self, *, handle: int, opaque: str) -> list[Any]:
        top = {"session_id": handle + 1, "handle_id": handle, "opaque_id": opaque}
        return [
            self._ev(16, {"connection": "hangup", "reason": "ICE failed"}, **top),
        ]
