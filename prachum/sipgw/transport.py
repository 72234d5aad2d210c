"""SIP over UDP, TCP and TLS: sockets in, :class:`Conn` + message out.

A :class:`Conn` is where a response or an in-dialog request goes back: the UDP socket
and the sender's address (symmetric, like ``rport``), or the TCP/TLS connection the
request came on. Garbage on UDP is dropped (or answered 400 when the headers could be
read); garbage on a stream closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from typing import cast

from prachum.sipgw.message import (
    MAX_MESSAGE_SIZE,
    ParseError,
    SipMessage,
    StreamFramer,
    parse,
)

logger = logging.getLogger(__name__)

#: Connections idle this long (no message) are closed.
STREAM_IDLE_SECONDS = 3600.0
MAX_STREAMS = 1000


class Conn:
    """Where to send back: a UDP socket + address, or a stream."""

    def __init__(
        self,
        kind: str,
        peer: tuple[str, int],
        *,
        datagram: asyncio.DatagramTransport | None = None,
        stream: asyncio.Transport | None = None,
        tls_client_verified: bool = False,
    ) -> None:
        self.kind = kind
        self.peer = peer
        self._datagram = datagram
        self._stream = stream
        self.tls_client_verified = tls_client_verified

    @property
    def reliable(self) -> bool:
        return self.kind != "udp"

    @property
    def closed(self) -> bool:
        transport = self._datagram or self._stream
        return transport is None or transport.is_closing()

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        if self._datagram is not None:
            self._datagram.sendto(data, self.peer)
        elif self._stream is not None:
            self._stream.write(data)

    def send_message(self, message: SipMessage) -> None:
        self.send(message.to_bytes())


Handler = Callable[[SipMessage, Conn], None]
BadHandler = Callable[[bytes, Conn], None]


class UdpSip(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler, bad: BadHandler) -> None:
        self._handler = handler
        self._bad = bad
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        conn = Conn("udp", (addr[0], addr[1]), datagram=self.transport)
        if data.strip(b"\r\n\x00 ") == b"":
            return  # keep-alive
        try:
            message = parse(data)
        except ParseError:
            self._bad(data, conn)
            return
        self._dispatch(message, conn)

    def _dispatch(self, message: SipMessage, conn: Conn) -> None:
        try:
            self._handler(message, conn)
        except Exception:  # one bad message must not stop the server
            logger.exception("SIP message from %s failed", conn.peer)

    def error_received(self, exc: Exception) -> None:
        return


class StreamSip(asyncio.Protocol):
    """One TCP or TLS connection, framed by Content-Length."""

    def __init__(self, kind: str, handler: Handler, streams: set[StreamSip]) -> None:
        self._kind = kind
        self._handler = handler
        self._streams = streams
        self._framer = StreamFramer()
        self.conn: Conn | None = None
        self._idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        if len(self._streams) >= MAX_STREAMS:
            transport.close()
            return
        self._streams.add(self)
        peer = transport.get_extra_info("peername") or ("", 0)
        verified = False
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            with contextlib.suppress(ValueError):
                verified = bool(ssl_object.getpeercert())
        self.conn = Conn(
            self._kind,
            (peer[0], peer[1]),
            stream=transport,
            tls_client_verified=verified,
        )
        self._touch()

    def _touch(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        loop = asyncio.get_running_loop()
        self._idle = loop.call_later(STREAM_IDLE_SECONDS, self._close)

    def _close(self) -> None:
        if self.conn is not None and self.conn._stream is not None:
            self.conn._stream.close()

    def data_received(self, data: bytes) -> None:
        assert self.conn is not None
        self._touch()
        try:
            messages = self._framer.feed(data)
        except ParseError:
            self._close()
            return
        for message in messages:
            if message is None:
                self.conn.send(b"\r\n")  # RFC 5626 pong
                continue
            try:
                self._handler(message, self.conn)
            except Exception:
                logger.exception("SIP message from %s failed", self.conn.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._streams.discard(self)
        if self._idle is not None:
            self._idle.cancel()


def tls_context(
    cert_file: str, key_file: str, client_ca_file: str = ""
) -> ssl.SSLContext:
    """A server context; with a client CA, a client certificate is asked for and
    checked (optional: a caller without one gets ``tls_client_verified`` False)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        context.load_verify_locations(client_ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


__all__ = ["MAX_MESSAGE_SIZE", "Conn", "StreamSip", "UdpSip", "tls_context"]
