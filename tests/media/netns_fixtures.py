"""A real Janus inside a private network namespace, for tests with media.

``start_janus(ns, folder)`` renders deploy/janus/ (``prachum.media.config``) with ICE on
the namespace's veth address only (``interface`` 10.77.0.1, ``ice_enforce_list``
``v0``, mDNS ignored, no STUN), the HTTP and admin APIs on the namespace's own
127.0.0.1, and the event handler posting to a tiny receiver that also listens inside
(or to ``events_url``, e.g. the web app started inside by an end-to-end test). It is
plain Python, so ``bench/media.py`` uses it too.

Fixtures (pytest finds them when this module's names are imported into a conftest or a
test module, or when it is listed in the root conftest's ``pytest_plugins``):

* ``netns`` (session): a :class:`tests.netns.NetNamespace`, deleted at the end;
* ``netns_janus`` (session): a :class:`NetnsJanus` in it;
* ``bot_loop``: a :class:`tests.media.bots.BotLoop` inside the namespace.

Without root, ``ip`` or Janus they skip, and fail under CI=true.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from prachum.media.config import JanusConfig, write
from prachum.media.janus import JanusMediaServer
from tests.media.bots import Access, BotLoop
from tests.netns import TIMINGS as NETNS_TIMINGS
from tests.netns import NetNamespace, unavailable_reason
from tests.subprocesses import terminate

#: Seconds measured by the fixtures (printed by the tests' terminal summary).
TIMINGS: dict[str, float] = {}
_REPORTED: set[str] = set()


def free_port() -> int:
    """A free TCP port of the current thread's namespace (call it inside)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the event receiver -----------------------------------------------------------


@dataclass
class EventReceiver:
    """Collects what Janus's event handler posts (appends, answers 200 at once)."""

    url: str
    bodies: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            bodies = list(self.bodies)
        out: list[dict[str, Any]] = []
        for raw in bodies:
            body = json.loads(raw)
            out.extend(body if isinstance(body, list) else [body])
        return out

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if predicate(e)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"Janus posted no matching event in {timeout} s")

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def start_receiver(ns: NetNamespace) -> EventReceiver:
    """An HTTP receiver listening on the namespace's 127.0.0.1."""

    def bind() -> ThreadingHTTPServer:
        return ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    receiver = EventReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.bodies.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ns.run_in(bind)  # the listening socket lives inside
    receiver.server = server
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/janus-events"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


# -- Janus --------------------------------------------------------------------------


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
    raise RuntimeError(f"janus did not answer in {timeout} s")


@dataclass
class NetnsJanus:
    """A Janus process inside ``ns``; its APIs answer only from inside."""

    ns: NetNamespace
    config: JanusConfig
    binary: str
    log: Path
    receiver: EventReceiver | None
    process: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.config.http_port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.config.admin_port}/admin"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.config.ws_port}/"

    @property
    def pid(self) -> int:
        assert self.process is not None, "Janus is not running"
        return self.process.pid

    def server(self) -> JanusMediaServer:
        """A plain JanusMediaServer: call it from a thread inside the namespace."""
        return JanusMediaServer(
            http_url=self.http_url,
            admin_url=self.admin_url,
            admin_secret=self.config.admin_secret,
            token_secret=self.config.token_secret,
            room_admin_key=self.config.room_admin_key,
            name=self.config.server_name,
        )

    @property
    def media(self) -> JanusMediaServer:
        """A JanusMediaServer whose calls run inside (usable from any thread)."""
        return self.ns.proxy(self.server())

    def start(self, timeout: float = 20.0) -> None:
        started = time.monotonic()
        with self.log.open("ab") as out:
            self.process = self.ns.popen(
                [
                    self.binary,
                    "-C",
                    str(self.config.config_dir / "janus.jcfg"),
                    "-F",
                    str(self.config.config_dir),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            self.ns.run_in(
                _wait_for_api, self.http_url, self.process, timeout, timeout=timeout + 5
            )
        except RuntimeError as exc:
            self.kill()
            raise RuntimeError(f"{exc}; log:\n{self.log_tail(40)}") from exc
        self.start_seconds = time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL, as a crash would (recordings stay as ``.mjr.tmp``)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def close(self) -> None:
        self.stop()
        if self.receiver is not None:
            self.receiver.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """Janus's own CPU time (user + system) so far, from /proc/<pid>/stat."""
        return process_cpu_seconds(self.pid)


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    # After the command: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_janus(
    ns: NetNamespace,
    folder: Path,
    *,
    events_url: str | None = None,
    **overrides: Any,
) -> NetnsJanus:
    """Render a configuration into ``folder`` and start Janus inside ``ns``.

    ``events_url`` None starts an :class:`EventReceiver` inside the namespace.
    ``overrides`` are :class:`JanusConfig` fields (e.g. ``events_secret``).
    """
    binary = shutil.which("janus")
    if binary is None:
        raise RuntimeError("Janus is not installed (apt-get install janus)")
    receiver = None
    if events_url is None:
        receiver = start_receiver(ns)
        events_url = receiver.url
    http_port, admin_port, ws_port = (ns.run_in(free_port) for _ in range(3))
    values: dict[str, Any] = {
        "config_dir": folder / "etc",
        "recordings_dir": folder / "recordings",
        "events_url": events_url,
        "api_secret": secrets.token_urlsafe(24),
        "admin_secret": secrets.token_urlsafe(24),
        "token_secret": secrets.token_urlsafe(24),
        "room_admin_key": secrets.token_urlsafe(24),
        "events_secret": secrets.token_urlsafe(24),
        "server_name": "janus-netns",
        "http_port": http_port,
        "admin_port": admin_port,
        "ws_port": ws_port,
        # ICE only on the namespace's veth: never an interface of the machine's.
        "interface": ns.address,
        "ice_enforce_list": ns.interface,
        "stun_server": "",
        "nat_1_1_mapping": "",
        "rtp_ports": "20000-29999",
        "max_retransmissions": 5,
        "retransmissions_backoff": 100,
        "debug_level": 4,
    }
    values.update(overrides)
    config = JanusConfig(**values)
    write(config)
    janus = NetnsJanus(
        ns=ns, config=config, binary=binary, log=folder / "janus.log", receiver=receiver
    )
    try:
        janus.start()
    except BaseException:
        janus.close()
        raise
    return janus


def open_room(
    janus: NetnsJanus,
    rec_dir: Path,
    *,
    publishers: int = 10,
    record: bool = True,
    meeting_id: str | None = None,
) -> Access:
    """The meeting's room (a fresh one by default), recorded into ``rec_dir``.

    Returns what a bot needs to join it: the room, its PIN and a join token.
    """
    media = janus.media
    room = media.ensure_room(
        meeting_id=meeting_id or f"test-{secrets.token_hex(8)}",
        record=record,
        rec_dir=str(rec_dir),
        publishers=publishers,
    )
    return Access(
        http_url=janus.http_url,
        room=room,
        pin=media.room_pin(room=room),
        token=media.join_token(user_id="bot", ttl_seconds=600),
    )


# -- fixtures ---------------------------------------------------------------------


def _unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required in CI)")
    pytest.skip(message)


@pytest.fixture(name="netns", scope="session")
def netns_fixture(pytestconfig: pytest.Config) -> Iterator[NetNamespace]:
    reason = unavailable_reason()
    if reason:
        _unavailable(f"media tests need a network namespace: {reason}")
    ns = NetNamespace().create()
    try:
        yield ns
    finally:
        ns.delete()
        timings = {**NETNS_TIMINGS, **TIMINGS}
        reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
        capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
        summary = ", ".join(f"{k} {v:.3f}" for k, v in timings.items())
        if reporter is not None and capture is not None and summary not in _REPORTED:
            _REPORTED.add(summary)  # once, even when several modules import this
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\nnetns media harness: {summary}")


@pytest.fixture(name="netns_janus", scope="session")
def netns_janus_fixture(
    netns: NetNamespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NetnsJanus]:
    if shutil.which("janus") is None:
        _unavailable("Janus is not installed (apt-get install janus)")
    janus = start_janus(netns, tmp_path_factory.mktemp("netns-janus"))
    TIMINGS["janus start in netns (s)"] = janus.start_seconds
    try:
        yield janus
    finally:
        with contextlib.suppress(Exception):
            janus.close()


@pytest.fixture(name="bot_loop")
def bot_loop_fixture(netns: NetNamespace) -> Iterator[BotLoop]:
    loop = BotLoop(netns)
    try:
        yield loop
    finally:
        loop.close()
