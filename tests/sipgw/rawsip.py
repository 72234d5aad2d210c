"""A tiny scripted SIP/RTP peer for the gateway's own tests (loopback only)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

from prachum.sipgw.call import Call
from prachum.sipgw.message import SipMessage, parse
from prachum.sipgw.server import SipConfig, SipServer


def sdp_offer(rtp_port: int, formats: str = "8 101", extra: str = "") -> str:
    lines = [
        "v=0", "o=raw 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        f"m=audio {rtp_port} RTP/AVP {formats}",
        "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000",
        "a=rtpmap:111 opus/48000/2",
    ]  # fmt: skip
    return "\r\n".join(lines) + "\r\n" + extra


class Inbox(asyncio.DatagramProtocol):
    """Every datagram, kept; ``wait_for`` a matching one (bounded)."""

    def __init__(self) -> None:
        self.items: list[tuple[bytes, tuple[str, int]]] = []
        self.transport: asyncio.DatagramTransport | None = None
        self._arrived = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.items.append((data, addr))
        self._arrived.set()

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)

    async def wait_for(
        self, match: Callable[[bytes], bool], timeout: float = 5.0, start: int = 0
    ) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen = start
        while True:
            for data, _ in self.items[seen:]:
                seen += 1
                if match(data):
                    return data
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("nothing matching arrived")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_inbox() -> Inbox:
    loop = asyncio.get_running_loop()
    _, inbox = await loop.create_datagram_endpoint(Inbox, local_addr=("127.0.0.1", 0))
    return inbox


class RawUac:
    """SIP over UDP by hand: requests as text, responses parsed."""

    def __init__(self, inbox: Inbox, server: tuple[str, int]) -> None:
        self.inbox = inbox
        self.server = server
        self.call_id = secrets.token_hex(6) + "@raw"
        self.tag = secrets.token_hex(4)
        self.to_tag = ""

    def request(
        self, method: str, cseq: int, *, body: str = "", headers: str = "",
        branch: str = "", content_type: str = "application/sdp", uri: str = "sip:1234@127.0.0.1",
    ) -> str:  # fmt: skip
        branch = branch or "z9hG4bK" + secrets.token_hex(6)
        to_tag = f";tag={self.to_tag}" if self.to_tag and method != "CANCEL" else ""
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.inbox.port};branch={branch};rport",
            f"From: <sip:raw@127.0.0.1>;tag={self.tag}",
            f"To: <sip:1234@127.0.0.1>{to_tag}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:raw@127.0.0.1:{self.inbox.port}>",
            "Max-Forwards: 70",
            *[h for h in headers.split("\n") if h],
        ]
        if body:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def send(self, text: str | bytes) -> None:
        self.inbox.send(text.encode() if isinstance(text, str) else text, self.server)

    async def response(
        self, status: int, method: str = "", timeout: float = 5.0, start: int = 0
    ) -> SipMessage:
        def match(data: bytes) -> bool:
            if not data.startswith(f"SIP/2.0 {status} ".encode()):
                return False
            return not method or parse(data).cseq[1] == method

        message = parse(await self.inbox.wait_for(match, timeout, start))
        tag = message.get("To").partition(";tag=")[2].split(";")[0]
        if tag and status >= 200 and method in ("", "INVITE"):
            self.to_tag = tag
        return message

    async def request_in(self, method: str, timeout: float = 5.0) -> SipMessage:
        return parse(
            await self.inbox.wait_for(
                lambda d: d.startswith(method.encode() + b" "), timeout
            )
        )

    def answer(self, request: SipMessage, status: int = 200) -> None:
        lines = [f"SIP/2.0 {status} OK"]
        for name in ("Via", "From", "To", "Call-ID", "CSeq"):
            lines.append(f"{name}: {request.get(name)}")
        self.send("\r\n".join([*lines, "Content-Length: 0"]) + "\r\n\r\n")


@contextlib.asynccontextmanager
async def running(
    config: SipConfig, on_call: Callable[[Call], Awaitable[None]]
) -> AsyncIterator[SipServer]:
    """A started server, stopped (bounded) at the end."""
    server = SipServer(config, on_call)
    await server.start()
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), 10)


class Calls:
    """An ``on_call`` that keeps every call and holds it until it ends."""

    def __init__(self) -> None:
        self.seen: list[Call] = []

    async def __call__(self, call: Call) -> None:
        self.seen.append(call)
        await call.ended.wait()
