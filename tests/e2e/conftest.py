"""Browser tests: Playwright driving Debian's Chromium against a live test server."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.smtp import smtp_server  # noqa: F401  (fixture)

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse
# to run there without this (microsoft/playwright-pytest#29).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last, in their collected order.

    Playwright's sync API keeps an asyncio loop running in the main thread from the
    first browser test to the end of the session; pytest-asyncio tests collected after
    it would fail with "Cannot run the event loop while another loop is running".
    """
    items.sort(key=lambda item: Path(str(item.fspath)).is_relative_to(HERE))


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test-system-deps` (apt install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # The identity check asks for the microphone: grant it, and feed a
            # generated tone instead of a real device.
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(autouse=True)
def _mail_and_links_as_in_production(
    request: pytest.FixtureRequest, settings: Any
) -> None:
    """Mail goes where the running site puts it, and its links point at the server.

    pytest-django swaps in the in-memory mail backend; people in these tests read
    their mail from the outbox folder (the page is for operators only), so the site's
    own backend writes it there. Links
    in mail (``SITE_URL``) lead to the test server, so a browser can follow them.
    """
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    for name in ("live_server", "asgi_live_server"):
        if name in request.fixturenames:
            settings.SITE_URL = request.getfixturevalue(name).url


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "th-TH", "timezone_id": "Asia/Bangkok"}


@dataclass(frozen=True)
class AsgiServer:
    url: str


@pytest.fixture
def asgi_live_server(transactional_db: None, settings: Any) -> Iterator[AsgiServer]:
    """The whole ASGI application (pages and WebSockets) under uvicorn.

    It runs in a thread of the test process, so it uses the test database and the
    same in-memory channel layer; pytest-django's ``live_server`` speaks only WSGI.
    Tests using it need ``pytest.mark.django_db(transaction=True)``.
    """
    import uvicorn

    from config.asgi import application

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws="websockets-sansio",
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the ASGI test server did not start")
        time.sleep(0.05)
    try:
        yield AsgiServer(url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
