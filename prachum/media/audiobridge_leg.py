"""A plain-RTP AudioBridge participant with a Janus session of its own (issue 17).

``join`` is asynchronous in the AudioBridge, so a leg needs a session and a handle: a
thread long-polls the session's events and another sends keep-alives (a long poll
alone does not keep a Janus session alive). Also the plain ``urllib`` transport and
the error mapping that :mod:`prachum.media.audiobridge` shares.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, cast

from prachum.media.protocol import MediaError, MediaErrorCode

AUDIOBRIDGE = "janus.plugin.audiobridge"
#: The opaque id of the server's own leg handles (traffic data names them so).
LEG_OPAQUE_ID = "prachum-audiobridge-leg"
DEFAULT_TIMEOUT_SECONDS = 5.0
#: Seconds between keep-alives of a leg's session (Janus's session_timeout is 60).
KEEPALIVE_SECONDS = 15.0
#: A leg's poller gives up after this many failed polls in a row (Janus gone).
_POLL_FAILURES = 3

_AB_ERRORS = {
    485: MediaErrorCode.NO_SUCH_ROOM,
    486: MediaErrorCode.ROOM_EXISTS,
    489: MediaErrorCode.UNAUTHORIZED,
    492: MediaErrorCode.NO_SUCH_PARTICIPANT,
    487: MediaErrorCode.NO_SUCH_PARTICIPANT,  # not joined
}
_CORE_ERRORS = {
    403: MediaErrorCode.UNAUTHORIZED,
    458: MediaErrorCode.NO_SUCH_PARTICIPANT,
    459: MediaErrorCode.NO_SUCH_PARTICIPANT,
}

Json = dict[str, Any]
# No proxy, whatever the environment says: Janus is on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(url: str, body: Json | None, timeout: float) -> Json:
    data = None
    if body is not None:
        data = json.dumps({"transaction": secrets.token_hex(8), **body}).encode()
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST" if data is not None else "GET",
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read()
    except (
        urllib.error.URLError,
        http.client.HTTPException,
        TimeoutError,
        OSError,
    ) as exc:
        raise MediaError(
            MediaErrorCode.UNREACHABLE, f"Janus at {url} unreachable: {exc}"
        ) from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise MediaError(MediaErrorCode.BAD_RESPONSE, "Janus sent no JSON") from exc
    if isinstance(answer, list):
        return {"janus": "events", "events": answer}
    if not isinstance(answer, dict):
        raise MediaError(MediaErrorCode.BAD_RESPONSE, "Janus sent a non-object")
    if answer.get("janus") == "error":
        error = answer.get("error") or {}
        code = int(error.get("code", 0))
        raise MediaError(
            _CORE_ERRORS.get(code, MediaErrorCode.REFUSED),
            str(error.get("reason", "Janus error")),
            janus_code=code,
        )
    return cast(Json, answer)


def plugin_error(data: Json) -> MediaError | None:
    """The :class:`MediaError` an AudioBridge answer carries, if any."""
    if "error_code" not in data:
        return None
    code = int(data["error_code"])
    return MediaError(
        _AB_ERRORS.get(code, MediaErrorCode.REFUSED),
        str(data.get("error", "AudioBridge error")),
        janus_code=code,
    )


class AudioBridgeLeg:
    """A plain-RTP participant with its own Janus session, kept alive by a thread.

    ``next_event`` returns the plugin's events for this handle (``joined``/``leaving``
    of others, ``muted``, ``kicked``...). ``kicked`` is set when the chair's ``kick``
    names this leg; ``lost`` when the session is gone (Janus restarted) — the caller
    should end the call or open a new leg.
    """

    def __init__(
        self,
        *,
        http_url: str,
        api_secret: str,
        room: int,
        timeout: float,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self.http_url = http_url
        self.room = room
        self.participant_id = 0
        self.janus_ip = ""
        self.janus_port = 0
        self.kicked = threading.Event()
        self.lost = threading.Event()
        self.session_id = 0
        self.handle_id = 0
        self._secret = api_secret
        self._timeout = timeout
        self._keepalive_seconds = keepalive_seconds
        self._events: queue.Queue[Json] = queue.Queue()
        self._waiters: dict[str, queue.Queue[Json]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []

    def _post(self, path: str, body: Json) -> Json:
        return http_request(
            self.http_url + path, {**body, "apisecret": self._secret}, self._timeout
        )

    def join(self, body: Json) -> None:
        answer = self._post("", {"janus": "create"})
        self.session_id = int(answer["data"]["id"])
        answer = self._post(
            f"/{self.session_id}",
            {"janus": "attach", "plugin": AUDIOBRIDGE, "opaque_id": LEG_OPAQUE_ID},
        )
        self.handle_id = int(answer["data"]["id"])
        for target in (self._poll, self._keepalive):
            thread = threading.Thread(
                target=target, name=f"ab-leg-{self.session_id}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        data = self._message(body, timeout=self._timeout)
        error = plugin_error(data)
        if error is not None:
            raise error
        rtp = data.get("rtp") or {}
        self.participant_id = int(data.get("id") or body["id"])
        self.janus_ip = str(rtp.get("ip", ""))
        self.janus_port = int(rtp.get("port", 0))
        if not self.janus_port:
            raise MediaError(
                MediaErrorCode.BAD_RESPONSE, "AudioBridge gave the leg no RTP port"
            )

    def _message(self, body: Json, *, timeout: float) -> Json:
        transaction = secrets.token_hex(8)
        waiter: queue.Queue[Json] = queue.Queue(maxsize=1)
        with self._lock:
            self._waiters[transaction] = waiter
        try:
            answer = self._post(
                f"/{self.session_id}/{self.handle_id}",
                {"janus": "message", "body": body, "transaction": transaction},
            )
            if answer.get("janus") == "success":
                event = answer
            else:
                try:
                    event = waiter.get(timeout=timeout)
                except queue.Empty as exc:
                    raise MediaError(
                        MediaErrorCode.UNREACHABLE,
                        f"AudioBridge did not answer {body.get('request')}",
                    ) from exc
        finally:
            with self._lock:
                self._waiters.pop(transaction, None)
        return cast(Json, (event.get("plugindata") or {}).get("data") or {})

    def _poll(self) -> None:
        query = urllib.parse.urlencode({"maxev": 10, "apisecret": self._secret})
        url = f"{self.http_url}/{self.session_id}?{query}"
        failures = 0
        while not self._closed.is_set() and failures < _POLL_FAILURES:
            try:
                answer = http_request(url, None, 40.0)  # Janus answers within 30 s
            except MediaError as exc:
                if exc.janus_code == 458 or self._closed.is_set():
                    break  # the session is gone
                failures += 1
                self._closed.wait(0.5)
                continue
            failures = 0
            batch = answer["events"] if answer.get("janus") == "events" else [answer]
            for event in batch:
                self._deliver(event)
        if not self._closed.is_set():
            self.lost.set()

    def _keepalive(self) -> None:
        """A long poll does not keep a Janus session alive: keep-alives do."""
        while not self._closed.wait(self._keepalive_seconds) and not self.lost.is_set():
            try:
                self._post(f"/{self.session_id}", {"janus": "keepalive"})
            except MediaError as exc:
                if exc.janus_code == 458 and not self._closed.is_set():
                    self.lost.set()
                    return

    def _deliver(self, event: Json) -> None:
        kind = event.get("janus")
        if kind == "keepalive":
            return
        with self._lock:
            waiter = self._waiters.get(str(event.get("transaction", "")))
        if waiter is not None and kind == "event":
            with contextlib.suppress(queue.Full):
                waiter.put_nowait(event)
            return
        if kind == "event":
            data = (event.get("plugindata") or {}).get("data") or {}
            if data.get("kicked") == self.participant_id and self.participant_id:
                self.kicked.set()
            self._events.put(data)
        elif kind in ("detached", "hangup"):
            self._events.put({"janus": kind})

    def next_event(self, timeout: float) -> Json | None:
        """The next plugin event of this leg (``{"kicked": id}``...), or None."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Leave and destroy the session (idempotent; quiet if Janus is gone)."""
        if self._closed.is_set():
            return
        if self.session_id and self.handle_id and not self.lost.is_set():
            with contextlib.suppress(MediaError):
                self._message({"request": "leave"}, timeout=2.0)
        self._closed.set()
        if self.session_id and not self.lost.is_set():
            with contextlib.suppress(MediaError):
                self._post(f"/{self.session_id}", {"janus": "destroy"})
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=1.0)
