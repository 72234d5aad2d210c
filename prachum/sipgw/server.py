"""The SIP user agent server: answers calls and hands each to ``on_call``.

Behaviour (ADR 0023): 100 Trying, then 200 OK with our SDP answer (media starts at
once, for the keypad prompts); the 2xx is retransmitted over UDP until the ACK (T1
doubling, given up after 64*T1: the call ends "transport"); retransmitted requests
get the same answer again; CANCEL -> 200 + 487; BYE -> 200; OPTIONS -> 200; INFO
DTMF -> digits; re-INVITE/UPDATE -> 200 with our SDP (version bumped); RFC 4028
session timers; unknown methods 405/501; no acceptable audio codec -> 488.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prachum.sipgw import sdp
from prachum.sipgw.call import Call
from prachum.sipgw.config import SipConfig
from prachum.sipgw.dialog import (
    ACCEPT,
    ALLOW,
    ALLOWED_METHODS,
    KNOWN_METHODS,
    SUPPORTED,
    Dialog,
    session_timer,
)
from prachum.sipgw.dtmf import digits_from_info
from prachum.sipgw.message import (
    ParseError,
    SipMessage,
    parse_name_addr,
    parse_via,
    uri_user,
)
from prachum.sipgw.rtp import UdpEndpoint
from prachum.sipgw.transport import Conn, StreamSip, UdpSip, tls_context
from prachum.sipgw.uas import UasCore

logger = logging.getLogger(__name__)

__all__ = ["Call", "SipConfig", "SipServer"]


class SipServer(UasCore):
    """Answers calls on UDP, TCP (and TLS) and runs ``on_call(call)`` for each.

    ``calls``: live calls by Call-ID; ``bound``: {"udp": (ip, port), "tcp": ...,
    "tls": ...} once started (port 0 in the config = an ephemeral port).
    """

    async def start(self) -> None:
        """Bind UDP, TCP (and TLS); OSError if a port cannot be had."""
        loop = asyncio.get_running_loop()
        cfg = self.config
        try:
            udp, _ = await loop.create_datagram_endpoint(
                lambda: UdpSip(self._handle, self._bad),
                local_addr=(cfg.host, cfg.udp_port),
            )
            self._closers.append(udp.close)
            self.bound["udp"] = udp.get_extra_info("sockname")[:2]
            tcp = await loop.create_server(
                lambda: StreamSip("tcp", self._handle, self._streams),
                cfg.host,
                cfg.tcp_port,
            )
            self._closers.append(tcp.close)
            self.bound["tcp"] = tcp.sockets[0].getsockname()[:2]
            if cfg.tls_port:
                context = tls_context(
                    cfg.tls_cert_file, cfg.tls_key_file, cfg.tls_client_ca_file
                )
                tls = await loop.create_server(
                    lambda: StreamSip("tls", self._handle, self._streams),
                    cfg.host, cfg.tls_port, ssl=context,
                )  # fmt: skip
                self._closers.append(tls.close)
                self.bound["tls"] = tls.sockets[0].getsockname()[:2]
        except BaseException:
            self._close_sockets()
            raise
        self._spawn(self._watchdog())

    async def stop(self) -> None:
        """BYE to every call (bounded), then close every socket."""
        await asyncio.gather(
            *(call.hangup("hangup") for call in list(self.calls.values())),
            return_exceptions=True,
        )
        for dialog in list(self._dialogs.values()):
            if dialog.pending_answer is not None and not dialog.pending_answer.done():
                dialog.pending_answer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for close in self._closers:
            with contextlib.suppress(Exception):
                close()
        self._closers.clear()
        for stream in list(self._streams):
            stream._close()

    def _handle(self, message: SipMessage, conn: Conn) -> None:
        try:
            if not message.is_request:
                self._on_response(message)
                return
            parse_via(message.get("Via"))
            parse_name_addr(message.get("From"))
            parse_name_addr(message.get("To"))
        except (ParseError, ValueError):
            if message.is_request and message.method != "ACK":
                with contextlib.suppress(Exception):
                    self._respond(message, conn, 400, "Bad Request")
            return
        if message.method == "ACK":
            self._on_ack(message)
            return
        cached = self._responses.get(self._key(message))
        if cached is not None:  # a retransmission: the same answer again
            conn.send(cached[1])
            return
        method = message.method
        to_tag = parse_name_addr(message.get("To")).params.get("tag", "")
        dialog = self._dialogs.get(message.call_id)
        in_dialog = bool(to_tag) and dialog is not None and dialog.local_tag == to_tag
        if method == "INVITE" and not to_tag:
            self._on_invite(message, conn)
        elif method == "CANCEL":
            self._on_cancel(message, conn)
        elif method == "OPTIONS":
            self._respond(message, conn, 200, "OK", headers=(
                ("Allow", ALLOW), ("Accept", ACCEPT), ("Supported", SUPPORTED),
            ))  # fmt: skip
        elif method not in KNOWN_METHODS:
            self._respond(
                message, conn, 501, "Not Implemented", headers=(("Allow", ALLOW),)
            )
        elif method not in ALLOWED_METHODS:
            self._respond(
                message, conn, 405, "Method Not Allowed", headers=(("Allow", ALLOW),)
            )
        elif not in_dialog or dialog is None:
            self._respond(message, conn, 481, "Call/Transaction Does Not Exist")
        elif method == "BYE":
            self._respond(message, conn, 200, "OK")
            self._end(dialog.call_id, "bye")
        elif method == "INFO":
            self._on_info(message, conn, dialog)
        elif method in ("INVITE", "UPDATE"):
            self._on_refresh(message, conn, dialog)
        else:
            self._respond(message, conn, 481, "Call/Transaction Does Not Exist")

    def _on_response(self, response: SipMessage) -> None:
        try:
            branch = parse_via(response.get("Via")).branch
        except ParseError:
            return
        future = self._client.get(branch)
        if future is not None and response.status >= 200 and not future.done():
            future.set_result(response)

    def _on_ack(self, ack: SipMessage) -> None:
        dialog = self._dialogs.get(ack.call_id)
        if dialog is not None and ack.cseq[0] == dialog.ack_cseq:
            dialog.acked.set()
        event = self._non2xx.get(parse_via(ack.get("Via")).branch)
        if event is not None:
            event.set()

    def _on_invite(self, invite: SipMessage, conn: Conn) -> None:
        if invite.call_id in self._dialogs:
            return  # a second INVITE of a call being set up (forked or resent with a new branch)
        unsupported = [
            t for t in invite.get_all("Require") if t.lower() not in ("timer",)
        ]
        if unsupported:
            self._respond(
                invite,
                conn,
                420,
                "Bad Extension",
                headers=(("Unsupported", ", ".join(unsupported)),),
            )
            return
        if len(self._dialogs) >= self.config.max_calls:
            self._respond(
                invite,
                conn,
                503,
                "Service Unavailable",
                headers=(("Retry-After", "30"),),
            )
            return
        try:
            timer = session_timer(
                invite, default=self.config.session_expires, min_se=self.config.min_se
            )
        except ValueError:
            self._respond(
                invite,
                conn,
                422,
                "Session Interval Too Small",
                headers=(("Min-SE", str(self.config.min_se)),),
            )
            return
        dialog = Dialog.from_invite(invite, conn)
        if timer is not None:
            dialog.session_expires, dialog.refresher = timer
        self._dialogs[dialog.call_id] = dialog
        self._respond(invite, conn, 100, "Trying")
        self._spawn(self._answer(dialog))

    def _final_to_invite(
        self,
        dialog: Dialog,
        status: int,
        reason: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """A non-2xx final answer to the INVITE, resent over UDP until the ACK."""
        self._dialogs.pop(dialog.call_id, None)
        data = self._respond(
            dialog.invite,
            dialog.conn,
            status,
            reason,
            to_tag=dialog.local_tag,
            headers=headers,
        )
        if not dialog.conn.reliable:
            event = asyncio.Event()
            self._non2xx[dialog.invite_branch] = event
            self._spawn(
                self._resend_until(
                    event,
                    data,
                    dialog.conn,
                    lambda: self._non2xx.pop(dialog.invite_branch, None),
                )
            )

    async def _answer(self, dialog: Dialog) -> None:
        invite, conn, cfg = dialog.invite, dialog.conn, self.config
        call = self._new_call(invite, conn)
        try:
            caller = await self._pool.bind(
                cfg.host, lambda d, a: call.caller_packet(d, a)
            )
            janus = await self._pool.bind(
                cfg.janus_rtp_host, lambda d, a: call.janus_packet(d, a)
            )
        except OSError:
            logger.warning("no RTP port for %s", dialog.call_id)
            self._final_to_invite(dialog, 503, "Service Unavailable")
            return
        call.attach_sockets(caller, janus)
        call.dialog = dialog
        try:
            answer = self._answer_sdp(dialog, invite.body, caller)
        except sdp.SdpError:
            call.finish("no_codec")
            self._final_to_invite(
                dialog,
                488,
                "Not Acceptable Here",
                headers=(("Accept", "application/sdp"),),
            )
            return
        call.set_media(codec=answer.codec, payload_type=answer.payload_type,
                       telephone_event=answer.telephone_event,
                       remote_rtp=answer.remote_rtp, direction=answer.direction)  # fmt: skip
        if cfg.answer_delay > 0:
            self._respond(invite, conn, 180, "Ringing", to_tag=dialog.local_tag)
            dialog.pending_answer = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(
                    asyncio.shield(dialog.pending_answer), cfg.answer_delay
                )
            except TimeoutError:
                pass
            except asyncio.CancelledError:
                call.finish("cancel")
                return
            if dialog.pending_answer.done():  # cancelled by CANCEL
                call.finish("cancel")
                return
            dialog.pending_answer.cancel()
            dialog.pending_answer = None
        self.calls[call.call_id] = call
        dialog.ack_cseq = dialog.remote_cseq
        data = self._send_2xx(dialog, invite, dialog.answer_sdp)
        call.mark_answered()
        self._arm_timer(dialog)
        self._spawn(self._await_ack(dialog, data))
        self._spawn(self._run(call))

    def _answer_sdp(
        self, dialog: Dialog, body: bytes, endpoint: UdpEndpoint, prefer: str = ""
    ) -> sdp.Answer:
        answer = sdp.answer(
            body, media_host=self._advertised_host, port=endpoint.address[1],
            session_id=dialog.session_id, version=dialog.sdp_version, prefer=prefer,
        )  # fmt: skip
        dialog.answer_sdp = answer.sdp
        return answer

    def _new_call(self, invite: SipMessage, conn: Conn) -> Call:
        pai = invite.get("P-Asserted-Identity")
        return Call(
            call_id=invite.call_id,
            from_uri=parse_name_addr(invite.get("From")).uri,
            asserted_identity=parse_name_addr(pai).uri if pai else "",
            request_uri=invite.uri,
            dialled=uri_user(invite.uri),
            source=conn.peer,
            transport=conn.kind,
            tls_client_verified=conn.tls_client_verified,
            user_agent=invite.get("User-Agent"),
            hangup_hook=self._hangup,
        )

    async def _run(self, call: Call) -> None:
        """The application's coroutine; when it returns, a live call is hung up."""
        try:
            await self.on_call(call)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("on_call failed for %s", call.call_id)
        if not call.ended.is_set():
            await self._hangup(call, "hangup")

    def _on_cancel(self, cancel: SipMessage, conn: Conn) -> None:
        dialog = self._dialogs.get(cancel.call_id)
        branch = parse_via(cancel.get("Via")).branch
        if dialog is None or dialog.invite_branch != branch:
            self._respond(cancel, conn, 481, "Call/Transaction Does Not Exist")
            return
        self._respond(cancel, conn, 200, "OK")
        pending = dialog.pending_answer
        if pending is not None and not pending.done():
            pending.set_result(None)
            self._final_to_invite(dialog, 487, "Request Terminated")

    def _on_info(self, info: SipMessage, conn: Conn, dialog: Dialog) -> None:
        self._respond(info, conn, 200, "OK")
        call = self.calls.get(dialog.call_id)
        digits = digits_from_info(info.get("Content-Type"), info.body)
        if call is not None:
            for digit in digits:
                call.add_digit(digit)

    def _on_refresh(self, request: SipMessage, conn: Conn, dialog: Dialog) -> None:
        """re-INVITE or UPDATE: our same SDP (version bumped), the timer re-armed."""
        call = self.calls.get(dialog.call_id)
        if call is None or call._caller_ep is None:
            self._respond(request, conn, 491, "Request Pending")
            return
        cseq = request.cseq[0]
        if cseq <= dialog.remote_cseq:
            self._respond(request, conn, 500, "Server Internal Error")
            return
        dialog.remote_cseq = cseq
        body = b""
        if request.body:
            dialog.sdp_version += 1
            try:
                answer = self._answer_sdp(
                    dialog, request.body, call._caller_ep, prefer=call.codec
                )
            except sdp.SdpError:
                self._respond(request, conn, 488, "Not Acceptable Here")
                return
            call.set_media(codec=answer.codec, payload_type=answer.payload_type,
                           telephone_event=answer.telephone_event,
                           remote_rtp=answer.remote_rtp, direction=answer.direction)  # fmt: skip
            body = answer.sdp
        elif request.method == "INVITE":
            body = dialog.answer_sdp  # an offerless re-INVITE: we offer what we had
        header = request.get("Session-Expires")
        if header and header.split(";")[0].strip().isdigit():
            dialog.session_expires = max(int(header.split(";")[0]), self.config.min_se)
            dialog.refresher = (
                "uas" if "refresher=uas" in header.replace(" ", "").lower() else "uac"
            )
        if request.get("Contact"):
            dialog.remote_target = parse_name_addr(request.get("Contact")).uri
        if request.method == "INVITE":
            dialog.ack_cseq = cseq
            data = self._send_2xx(dialog, request, body)
            self._spawn(self._await_ack(dialog, data))
        else:
            self._send_2xx(dialog, request, body)
        self._arm_timer(dialog)
