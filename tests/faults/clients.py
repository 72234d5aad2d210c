"""Clients of a real Prachum server: the REST API over HTTP, and the room socket.

:class:`RoomClient` follows the room protocol as ``static/js/room.js`` does
(ARCHITECTURE §4.4): it keeps the last snapshot's version, applies an event whose
version is one more, ignores an older one, asks for a fresh snapshot on a gap, and
after a dropped socket reconnects with back-off and takes the snapshot the server
sends. What it saw is kept so a test can say whether every patch arrived or a
snapshot replaced the state.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

BACKOFF_SECONDS = (0.2, 0.5, 1.0, 2.0)
# Close codes after which room.js does not reconnect (refused, removed, limited).
NO_RECONNECT = {4401, 4403, 4404, 4429}


@dataclass
class Api:
    """One person's browser session against the REST API (cookie and CSRF token)."""

    base: str
    session_key: str
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))

    def _headers(self) -> dict[str, str]:
        cookie = f"{settings.SESSION_COOKIE_NAME}={self.session_key}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        return {
            "Cookie": cookie,
            "X-CSRFToken": self.csrf,
            "Accept": "application/json",
            "Accept-Language": "th",
            "Content-Type": "application/json",
        }

    def request(
        self, method: str, path: str, body: Any = None, *, timeout: float = 15
    ) -> tuple[int, Any]:
        """``(status, decoded JSON or text)``; a dropped connection raises ``OSError``."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=self._headers()
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read())

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("POST", path, body)


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


class RoomClient:
    """A room socket that reconnects and resyncs as the room page does."""

    def __init__(self, ws_base: str, meeting_id: Any, session_key: str) -> None:
        self.url = f"{ws_base}/ws/meetings/{meeting_id}/"
        self.origin = "http" + ws_base.removeprefix("ws")  # as a page of the site
        self.session_key = session_key
        self.lock = threading.Lock()
        self.state: dict[str, Any] | None = None
        self.awaiting = True
        self.snapshots = 0
        self.patches_applied = 0
        self.gaps = 0
        self.connects = 0
        self.closes: list[int | None] = []
        self.errors: list[dict[str, Any]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.refused: int | None = None
        self.connect_errors: list[str] = []
        self._socket: ClientConnection | None = None
        self._stopped = threading.Event()
        self._refs = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    # --- life -------------------------------------------------------------------

    def start(self) -> RoomClient:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        attempt = 0
        while not self._stopped.is_set():
            try:
                socket = connect(
                    self.url,
                    additional_headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_key}",
                        "Accept-Language": "th",
                        "User-Agent": "PrachumFaultTest/1.0",
                    },
                    origin=self.origin,  # type: ignore[arg-type]
                    open_timeout=5,
                )
            except Exception as exc:  # refused, reset, handshake failed: retry
                self.connect_errors.append(repr(exc)[:300])
                time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
                attempt += 1
                continue
            with self.lock:
                self._socket = socket
                self.connects += 1
                self.awaiting = True
            try:
                with socket:
                    for text in socket:
                        self._receive(json.loads(text))
                        if self.state is not None:
                            attempt = 0
            except (ConnectionClosed, OSError):
                pass
            code = socket.close_code
            with self.lock:
                self._socket = None
                self.closes.append(code)
            if code in NO_RECONNECT:
                self.refused = code
                return
            time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
            attempt += 1

    # --- frames -------------------------------------------------------------------

    def _receive(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        with self.lock:
            if kind == "snapshot":
                self.state = frame["snapshot"]
                self.awaiting = False
                self.snapshots += 1
            elif kind == "event":
                self._event(frame)
            elif kind == "ack":
                self.acks[str(frame.get("ref"))] = frame
            elif kind == "error":
                self.errors.append(frame)
                if frame.get("ref") is not None:
                    self.acks[str(frame["ref"])] = frame

    def _event(self, frame: dict[str, Any]) -> None:
        if self.state is None or self.awaiting:
            return  # the snapshot on its way will hold it
        version = int(frame["version"])
        if version <= int(self.state["version"]):
            return
        if version != int(self.state["version"]) + 1:
            self.gaps += 1
            self._ask_snapshot()
            return
        patch = frame.get("patch") or {}
        if "quorum" in patch:
            self.state["quorum"] = patch["quorum"]
        if "current_item" in patch:
            self.state["current_item"] = patch["current_item"]
        if "meeting_status" in patch:
            self.state["meeting"]["status"] = patch["meeting_status"]
        if "participant" in patch:
            rows = self.state["participants"]
            row = patch["participant"]
            at = next((i for i, p in enumerate(rows) if p["id"] == row["id"]), None)
            if at is None:
                rows.append(row)
            else:
                rows[at] = row
        if "participants" in patch:
            self.state["participants"] = patch["participants"]
        self.state["version"] = version
        self.patches_applied += 1

    def _ask_snapshot(self) -> None:
        self.awaiting = True
        self._send({"type": "snapshot.get"})

    def _send(self, frame: dict[str, Any]) -> str | None:
        socket = self._socket
        if socket is None:
            return None
        self._refs += 1
        ref = f"r{self._refs}"
        try:
            socket.send(json.dumps({**frame, "ref": ref}))
        except (ConnectionClosed, OSError):
            return None
        return ref

    # --- for the test ------------------------------------------------------------

    def command(self, frame: dict[str, Any], *, seconds: float = 15) -> dict[str, Any]:
        """Send a command and wait for its ``ack`` or ``error``."""
        with self.lock:
            ref = self._send(frame)
        if ref is None:
            raise ConnectionError("the room socket is not open")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                answer = self.acks.pop(ref, None)
            if answer is not None:
                return answer
            time.sleep(0.02)
        raise TimeoutError(f"no answer to {frame['type']}")

    @property
    def version(self) -> int | None:
        with self.lock:
            return None if self.state is None else int(self.state["version"])

    def seen(self) -> tuple[int | None, dict[str, Any] | None]:
        """(version, quorum) as this client shows them now."""
        with self.lock:
            if self.state is None or self.awaiting:
                return None, None
            return int(self.state["version"]), dict(self.state["quorum"])

    def wait_until(self, predicate: Any, *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.05)
        raise AssertionError(
            f"{what}: not within {seconds} s (version {self.version}, "
            f"connects {self.connects}, closes {self.closes}, errors {self.errors[-3:]}, "
            f"connect errors {self.connect_errors[-2:]})"
        )

    @property
    def open(self) -> bool:
        return self._socket is not None
