"""The transaction and dialog machinery under :class:`~prachum.sipgw.server.SipServer`.

Responses are cached per (branch, method, Call-ID) so a retransmitted request gets
the same answer again; our final answers to an INVITE and our requests (BYE, UPDATE)
are resent over UDP with T1 doubling up to T2, for at most 64*T1 (RFC 3261 §17);
RFC 4028 session timers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from prachum.sipgw.call import Call
from prachum.sipgw.config import SipConfig
from prachum.sipgw.dialog import ACCEPT, ALLOW, SUPPORTED, Dialog
from prachum.sipgw.message import SipMessage, parse_via, response_to, uri_hostport
from prachum.sipgw.rtp import PortPool
from prachum.sipgw.transport import Conn, StreamSip

logger = logging.getLogger(__name__)

T2 = 4.0
MAX_CACHED_RESPONSES = 10_000
HANGUP_WAIT = 2.0


class UasCore:
    """State and the timers of transactions and dialogs (no request handling)."""

    def __init__(
        self, config: SipConfig, on_call: Callable[[Call], Awaitable[None]]
    ) -> None:
        self.config = config
        self.on_call = on_call
        self.calls: dict[str, Call] = {}
        self.bound: dict[str, tuple[str, int]] = {}
        self._pool = PortPool(*config.rtp_ports)
        self._dialogs: dict[str, Dialog] = {}
        self._responses: OrderedDict[tuple[str, str, str], tuple[float, bytes]] = (
            OrderedDict()
        )
        self._client: dict[str, asyncio.Future[SipMessage]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closers: list[Callable[[], None]] = []
        self._streams: set[StreamSip] = set()
        self._non2xx: dict[str, asyncio.Event] = {}

    def _spawn(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def _advertised_host(self) -> str:
        host = self.config.media_host or self.config.host
        return "127.0.0.1" if host in ("0.0.0.0", "") else host

    def _contact(self, kind: str) -> str:
        port = self.bound.get(kind, self.bound.get("udp", ("", 0)))[1]
        suffix = "" if kind == "udp" else f";transport={kind}"
        return f"<sip:{self._advertised_host}:{port}{suffix}>"

    def _respond(
        self, request: SipMessage, conn: Conn, status: int, reason: str, *,
        to_tag: str = "", headers: tuple[tuple[str, str], ...] = (), body: bytes = b"",
        content_type: str = "",
    ) -> bytes:  # fmt: skip
        response = response_to(request, status, reason, to_tag=to_tag)
        response.add("Server", self.config.user_agent)
        for name, value in headers:
            response.add(name, value)
        if body:
            response.add("Content-Type", content_type)
            response.body = body
        data = response.to_bytes()
        conn.send(data)
        if request.method != "ACK":
            self._remember(request, data)
        return data

    def _key(self, request: SipMessage) -> tuple[str, str, str]:
        branch = parse_via(request.get("Via")).branch
        return branch, request.method, request.call_id

    def _remember(self, request: SipMessage, data: bytes) -> None:
        self._responses[self._key(request)] = (time.monotonic(), data)
        self._responses.move_to_end(self._key(request))
        while len(self._responses) > MAX_CACHED_RESPONSES:
            self._responses.popitem(last=False)

    def _bad(self, data: bytes, conn: Conn) -> None:
        """400 to a request whose headers we can still find; anything else dropped."""
        try:
            text = data[:8192].decode("utf-8", "replace")
        except Exception:  # pragma: no cover
            return
        head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0].splitlines()
        if (
            not head
            or head[0].startswith(("SIP/", "ACK "))
            or " SIP/2.0" not in head[0]
        ):
            return
        wanted = {"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"}
        kept = [
            line for line in head[1:] if line.split(":", 1)[0].strip().lower() in wanted
        ]
        if not any(
            line.split(":", 1)[0].strip().lower() in ("via", "v") for line in kept
        ):
            return
        response = "\r\n".join(["SIP/2.0 400 Bad Request", *kept, "Content-Length: 0"])
        conn.send((response + "\r\n\r\n").encode("utf-8", "replace"))

    async def _resend_until(
        self, event: asyncio.Event, data: bytes, conn: Conn, done: Callable[[], object]
    ) -> None:
        interval, waited, limit = self.config.t1, 0.0, 64 * self.config.t1
        try:
            while waited < limit and not event.is_set():
                step = min(interval, limit - waited)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), step)
                waited += step
                if waited < limit and not event.is_set() and not conn.reliable:
                    conn.send(data)
                interval = min(interval * 2, T2)
        finally:
            done()

    def _send_2xx(self, dialog: Dialog, request: SipMessage, body: bytes) -> bytes:
        headers = [("Contact", self._contact(dialog.conn.kind)), ("Allow", ALLOW),
                   ("Supported", SUPPORTED), ("Accept", ACCEPT)]  # fmt: skip
        if dialog.refresher:
            headers.append(
                (
                    "Session-Expires",
                    f"{dialog.session_expires};refresher={dialog.refresher}",
                )
            )
            if dialog.refresher == "uac":
                headers.append(("Require", "timer"))
        return self._respond(
            request, dialog.conn, 200, "OK", to_tag=dialog.local_tag, headers=tuple(headers),
            body=body, content_type="application/sdp" if body else "",
        )  # fmt: skip

    async def _await_ack(self, dialog: Dialog, data: bytes) -> None:
        dialog.acked.clear()
        interval, waited, limit = self.config.t1, 0.0, 64 * self.config.t1
        while waited < limit:
            step = min(interval, limit - waited)
            try:
                await asyncio.wait_for(dialog.acked.wait(), step)
                return
            except TimeoutError:
                waited += step
            if waited < limit and not dialog.conn.reliable:
                dialog.conn.send(data)
            interval = min(interval * 2, T2)
        call = self.calls.get(dialog.call_id)
        if call is not None:
            await self._hangup(call, "transport")

    def _arm_timer(self, dialog: Dialog) -> None:
        """RFC 4028: the UAC refreshes before the interval ends, or we BYE at
        interval - min(32, interval/3); as refresher we UPDATE at half the interval."""
        if dialog.timer is not None:
            dialog.timer.cancel()
            dialog.timer = None
        if not dialog.refresher:
            return
        interval = dialog.session_expires
        loop = asyncio.get_running_loop()
        if dialog.refresher == "uas":
            dialog.timer = loop.call_later(
                interval / 2, lambda: self._spawn(self._refresh(dialog))
            )
        else:
            delay = interval - min(32.0, interval / 3)
            dialog.timer = loop.call_later(
                delay, lambda: self._spawn(self._expire(dialog))
            )

    async def _expire(self, dialog: Dialog) -> None:
        call = self.calls.get(dialog.call_id)
        if call is not None:
            await self._hangup(call, "session_expired")

    async def _refresh(self, dialog: Dialog) -> None:
        response = await self._request(dialog, "UPDATE")
        if response is not None and 200 <= response.status < 300:
            self._arm_timer(dialog)
        else:
            await self._expire(dialog)

    def _handle(self, message: SipMessage, conn: Conn) -> None:
        raise NotImplementedError  # the server's dispatch

    async def _reconnect(self, dialog: Dialog) -> None:
        host, port = uri_hostport(dialog.remote_target)
        protocol = StreamSip("tcp", self._handle, self._streams)
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: protocol, host, port), HANGUP_WAIT
            )
        except (OSError, TimeoutError):
            logger.info("cannot reach %s again over TCP", dialog.remote_target)
            return
        if protocol.conn is not None:
            dialog.conn = protocol.conn

    async def _request(
        self, dialog: Dialog, method: str, wait: float | None = None
    ) -> SipMessage | None:
        """Send a request of ours in the dialog; its final response, or None.

        Over TCP, a connection the caller has closed is opened again to its Contact.
        """
        if dialog.conn.closed and dialog.conn.kind == "tcp":
            await self._reconnect(dialog)
        kind = dialog.conn.kind
        request = dialog.request(
            method, via_host=self._advertised_host, via_port=self.bound.get(kind, (0, 0))[1],
            contact=self._contact(kind), user_agent=self.config.user_agent,
        )  # fmt: skip
        branch = parse_via(request.get("Via")).branch
        future: asyncio.Future[SipMessage] = asyncio.get_running_loop().create_future()
        self._client[branch] = future
        data = request.to_bytes()
        limit = 64 * self.config.t1 if wait is None else wait
        interval, waited = self.config.t1, 0.0
        try:
            dialog.conn.send(data)
            while waited < limit:
                step = min(interval, limit - waited)
                try:
                    return await asyncio.wait_for(asyncio.shield(future), step)
                except TimeoutError:
                    waited += step
                if not dialog.conn.reliable:
                    dialog.conn.send(data)
                interval = min(interval * 2, T2)
            return None
        finally:
            self._client.pop(branch, None)

    async def _hangup(self, call: Call, reason: str) -> None:
        dialog = self._dialogs.get(call.call_id)
        self._end(call.call_id, reason)
        if dialog is not None:
            await self._request(dialog, "BYE", wait=HANGUP_WAIT)

    def _end(self, call_id: str, reason: str) -> None:
        dialog = self._dialogs.pop(call_id, None)
        if dialog is not None and dialog.timer is not None:
            dialog.timer.cancel()
        if dialog is not None:
            dialog.acked.set()
        call = self.calls.pop(call_id, None)
        if call is not None:
            call.finish(reason)

    async def _watchdog(self) -> None:
        """Once a second: RTP timeouts, and old cached responses forgotten."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            while self._responses:
                key, (at, _) = next(iter(self._responses.items()))
                if now - at < 64 * self.config.t1:
                    break
                self._responses.pop(key)
            if self.config.rtp_timeout <= 0:
                continue
            for call in list(self.calls.values()):
                idle = now - call.stats.last_rtp_monotonic
                if (
                    not call.on_hold
                    and call.answered_at
                    and idle > self.config.rtp_timeout
                ):
                    self._spawn(self._hangup(call, "rtp_timeout"))
