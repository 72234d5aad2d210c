"""A real Janus for the contract tests, and the browser's part played by a driver.

``janus`` (session scope) renders deploy/janus/ with free loopback ports into a
temporary folder, starts ``janus -C ... -F ...``, waits for its API and stops it at
the end. Its event handler posts to a tiny receiver in this process (``receiver``);
tests that need the Django view point it elsewhere with the admin API's ``tweak``.
Janus offers ICE only on ``lo`` here, which it skips: nothing binds to the machine's
own interface (no media in these tests).

Without Janus installed the real half of the contract tests is skipped — and fails
with CI=true.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from prachum.media.config import JanusConfig, write
from prachum.media.fake import FakeMediaServer
from prachum.media.janus import JanusMediaServer
from prachum.media.protocol import VIDEOROOM, MediaError, MediaErrorCode

TIMINGS: dict[str, float] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Collects what Janus's event handler posts."""

    url: str
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            bodies = [json.loads(p.body) for p in self.posts]
        out: list[dict[str, Any]] = []
        for body in bodies:
            out.extend(body if isinstance(body, list) else [body])
        return out

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if predicate(e)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError("Janus posted no matching event")


def _start_receiver() -> tuple[ThreadingHTTPServer, Receiver]:
    port = _free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/janus-events")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.posts.append(Post(self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver


@dataclass
class JanusProcess:
    config: JanusConfig
    process: subprocess.Popen[bytes]
    log: Path
    receiver: Receiver
    http_url: str
    admin_url: str

    def server(self) -> JanusMediaServer:
        return JanusMediaServer(
            http_url=self.http_url,
            admin_url=self.admin_url,
            admin_secret=self.config.admin_secret,
            token_secret=self.config.token_secret,
            room_admin_key=self.config.room_admin_key,
            name=self.config.server_name,
        )

    def tweak_events(self, **values: Any) -> None:
        """Change the event handler's backend, credentials... at run time."""
        answer = self.server()._admin(
            {
                "janus": "query_eventhandler",
                "handler": "janus.eventhandler.sampleevh",
                "request": {"request": "tweak", **values},
            }
        )
        assert answer["response"]["result"] == 200, answer

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_for_api(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    body = json.dumps({"janus": "info", "transaction": "up"}).encode()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"janus exited with {process.returncode}")
        try:
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=0.5) as response:
                if json.load(response).get("janus") == "server_info":
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("janus did not answer in time")


@pytest.fixture(scope="session")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusProcess]:
    binary = shutil.which("janus")
    if binary is None:
        message = "Janus is not installed (apt-get install janus): real contract tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " are required in CI")
        pytest.skip(message + " skipped")
    started = time.monotonic()
    base = tmp_path_factory.mktemp("janus")
    receiver_server, receiver = _start_receiver()
    http_port, admin_port, ws_port = _free_port(), _free_port(), _free_port()
    config = JanusConfig(
        config_dir=base / "etc",
        recordings_dir=base / "recordings",
        events_url=receiver.url,
        api_secret=secrets.token_urlsafe(24),
        admin_secret=secrets.token_urlsafe(24),
        token_secret=secrets.token_urlsafe(24),
        room_admin_key=secrets.token_urlsafe(24),
        events_secret=secrets.token_urlsafe(24),
        server_name="janus-test",
        http_port=http_port,
        admin_port=admin_port,
        ws_port=ws_port,
        # ICE on loopback only, which Janus skips: no address of the machine's own.
        ice_enforce_list="lo",
        interface="127.0.0.1",
        max_retransmissions=3,
        retransmissions_backoff=50,
        debug_level=4,
    )
    write(config)
    log = base / "janus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
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
    http_url = f"http://127.0.0.1:{http_port}/janus"
    try:
        _wait_for_api(http_url, process, timeout=15)
    except RuntimeError as exc:
        process.kill()
        process.wait()
        pytest.fail(f"{exc}; log:\n{log.read_text(errors='replace')[-3000:]}")
    TIMINGS["janus start (s)"] = time.monotonic() - started
    try:
        yield JanusProcess(
            config=config,
            process=process,
            log=log,
            receiver=receiver,
            http_url=http_url,
            admin_url=f"http://127.0.0.1:{admin_port}/admin",
        )
    finally:
        stopping = time.monotonic()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        receiver_server.shutdown()
        receiver_server.server_close()
        TIMINGS["janus stop (s)"] = time.monotonic() - stopping


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        summary = ", ".join(f"{name} {value:.2f}" for name, value in TIMINGS.items())
        terminalreporter.write_line(f"Janus fixture: {summary}")


# -- the browser's part -----------------------------------------------------------


class JanusClient:
    """What janus.js does, over the HTTP Janus API (no media)."""

    def __init__(self, janus: JanusProcess) -> None:
        self.janus = janus
        self.sessions: list[tuple[int, str]] = []

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps({"transaction": secrets.token_hex(6), **body}).encode()
        request = urllib.request.Request(
            self.janus.http_url + path,
            data=payload,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer: dict[str, Any] = json.load(response)
        return answer

    def _poll(self, session: int, token: str, transaction: str) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            url = f"{self.janus.http_url}/{session}?maxev=10&token={urllib.parse.quote(token)}"
            with urllib.request.urlopen(url, timeout=10) as response:
                events = json.load(response)
            for event in events if isinstance(events, list) else [events]:
                if event.get("transaction") == transaction:
                    return event
        raise AssertionError("no answer from the plugin")

    def create_session(self, token: str) -> int | dict[str, Any]:
        answer = self._post("", {"janus": "create", "token": token})
        if answer["janus"] != "success":
            return answer
        session = int(answer["data"]["id"])
        self.sessions.append((session, token))
        return session

    def attach_status(self, *, token: str, plugin: str) -> int:
        session = self.create_session(token)
        if isinstance(session, dict):
            return int(session["error"]["code"])
        answer = self._post(
            f"/{session}", {"janus": "attach", "plugin": plugin, "token": token}
        )
        return 0 if answer["janus"] == "success" else int(answer["error"]["code"])

    def attach(self, *, token: str, opaque_id: str = "") -> tuple[int, int]:
        session = self.create_session(token)
        assert isinstance(session, int), session
        answer = self._post(
            f"/{session}",
            {
                "janus": "attach",
                "plugin": VIDEOROOM,
                "token": token,
                "opaque_id": opaque_id,
            },
        )
        assert answer["janus"] == "success", answer
        return session, int(answer["data"]["id"])

    def join(
        self, *, room: int, display: str, pin: str, token: str, opaque_id: str = ""
    ) -> int:
        session, handle = self.attach(token=token, opaque_id=opaque_id)
        transaction = secrets.token_hex(6)
        body = {
            "request": "join",
            "ptype": "publisher",
            "room": room,
            "display": display,
            "pin": pin,
        }
        answer = self._post(
            f"/{session}/{handle}",
            {
                "janus": "message",
                "body": body,
                "token": token,
                "transaction": transaction,
            },
        )
        assert answer["janus"] == "ack", answer
        event = self._poll(session, token, transaction)
        data = event["plugindata"]["data"]
        if "error_code" in data:
            code = int(data["error_code"])
            raise MediaError(
                MediaErrorCode.UNAUTHORIZED if code == 433 else MediaErrorCode.REFUSED,
                data.get("error", ""),
                janus_code=code,
            )
        return int(data["id"])

    def close(self) -> None:
        for session, token in self.sessions:
            with contextlib.suppress(OSError):
                self._post(f"/{session}", {"janus": "destroy", "token": token})
        self.sessions.clear()


class FakeClient:
    """The same operations against :class:`FakeMediaServer`."""

    def __init__(self, fake: FakeMediaServer) -> None:
        self.fake = fake

    def attach_status(self, *, token: str, plugin: str) -> int:
        return self.fake.attach(token=token, plugin=plugin)

    def join(
        self, *, room: int, display: str, pin: str, token: str, opaque_id: str = ""
    ) -> int:
        assert self.fake.attach(token=token, plugin=VIDEOROOM) == 0
        return self.fake.join(room=room, display=display, pin=pin, opaque_id=opaque_id)

    def close(self) -> None:
        pass


@dataclass
class Backend:
    kind: str
    server: Any  # JanusMediaServer | FakeMediaServer
    client: Any  # JanusClient | FakeClient
    token_secret: str


@pytest.fixture(params=["fake", "janus"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The contract tests run against the fake always and against a real Janus."""
    if request.param == "fake":
        fake = FakeMediaServer(token_secret="fake-secret", room_admin_key="fake-key")
        yield Backend("fake", fake, FakeClient(fake), "fake-secret")
        return
    process: JanusProcess = request.getfixturevalue("janus")
    client = JanusClient(process)
    yield Backend("janus", process.server(), client, process.config.token_secret)
    client.close()


def basic_auth(secret: str, user: str = "janus") -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
