"""A real SMTP server on loopback for contract tests (aiosmtpd).

The handler keeps each envelope exactly as received: the DATA bytes (``content``, with
dot-stuffing undone, as aiosmtpd delivers them), ``mail_from`` and ``rcpt_tos``. Use the
``smtp_server`` fixture, or ``running_smtp_server()`` as a context manager, and point
``settings.EMAIL_URL`` at ``server.url``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


@dataclass
class RecordingHandler:
    """Keeps every accepted message; thread-safe (the server runs in its own thread)."""

    messages: list[ReceivedMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        if isinstance(content, str):  # only with decode_data=True, which we do not use
            content = content.encode("utf-8")
        with self._lock:
            self.messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from,
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    content=bytes(content),
                )
            )
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self.handler._lock:
            return list(self.handler.messages)


def free_port() -> int:
    """A loopback TCP port nobody listens on (closed again before returning)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smtp_server(
    handler: RecordingHandler | None = None,
) -> Iterator[SmtpServer]:
    """Start an aiosmtpd ``Controller`` on a free loopback port; stop it afterwards."""
    handler = handler or RecordingHandler()
    controller = Controller(handler, hostname=HOST, port=free_port(), ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(host=HOST, port=controller.port, handler=handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server
