"""Parts of the media end-to-end test: tones, the web app inside a namespace, logins.

Everything that opens a socket here runs inside the test's network namespace
(:class:`tests.netns.NetNamespace`): uvicorn's thread is started inside, so the views'
calls to Janus (on the namespace's 127.0.0.1) and Janus's event POSTs to the web app
stay there.
"""

from __future__ import annotations

import array
import contextlib
import functools
import math
import socket
import threading
import time
import wave
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pyotp
from asgiref.sync import SyncToAsync
from django.db import connections
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.netns import NetNamespace

PASSWORD = "a-long-demo-passphrase-42"
RATE = 48_000


def write_tone(
    path: Path, *, hz: float, seconds: float, amplitude: float = 0.3
) -> Path:
    """A mono 16-bit WAV of a sine tone (Chromium's fake microphone plays it)."""
    frames = int(RATE * seconds)
    scale = amplitude * 32767
    samples = array.array(
        "h", (int(scale * math.sin(2 * math.pi * hz * n / RATE)) for n in range(frames))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


def decode_mono(path: Path) -> tuple[array.array[int], int]:
    """All samples of an audio file as mono 16-bit integers, and the rate."""
    samples: array.array[int] = array.array("h")
    rate = RATE
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate or RATE
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        frames = [*container.decode(stream), None]
        for frame in frames:
            for out in resampler.resample(frame):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
    return samples, rate


def media_seconds(path: Path) -> float:
    """A media file's duration from its decoded samples (not the container's claim)."""
    samples, rate = decode_mono(path)
    return len(samples) / rate


def rms(samples: Sequence[int]) -> float:
    """Root mean square in full scale (1.0 = a full-scale square wave)."""
    if not samples:
        return 0.0
    return math.sqrt(sum(v * v for v in samples) / len(samples)) / 32768


def tone_strength(samples: Sequence[int], rate: int, hz: float) -> float:
    """Amplitude (full scale) of one frequency, to tell 440 Hz from 660 Hz."""
    if not samples:
        return 0.0
    step = 2 * math.pi * hz / rate
    re = sum(v * math.cos(step * n) for n, v in enumerate(samples))
    im = sum(v * math.sin(step * n) for n, v in enumerate(samples))
    return 2 * math.hypot(re, im) / len(samples) / 32768


# -- the web app inside the namespace -------------------------------------------------


@dataclass
class InsideServer:
    url: str
    server: Any
    thread: threading.Thread


@contextlib.contextmanager
def asgi_inside(ns: NetNamespace) -> Iterator[InsideServer]:
    """The ASGI application under uvicorn, listening on the namespace's 127.0.0.1."""
    import uvicorn

    from config.asgi import application

    def bind() -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        return listener

    listener = ns.run_in(bind)
    port = listener.getsockname()[1]
    # Channels' consumers run their database calls on asgiref's one shared worker
    # thread, made on first use and kept for the process. A worker made inside the
    # namespace would stay there after this test (no TCP PostgreSQL for later tests):
    # give the server its own for the duration, and put the process's back after.
    shared_executor = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
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
    # Started inside: the loop's thread and every thread it starts (Django's
    # per-request executors) make their sockets in the namespace.
    thread = ns.start_thread(
        functools.partial(server.run, sockets=[listener]), name="asgi-inside"
    )
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the ASGI server did not start inside the namespace")
        time.sleep(0.05)
    try:
        yield InsideServer(url=f"http://127.0.0.1:{port}", server=server, thread=thread)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
        SyncToAsync.single_thread_executor.shutdown(wait=False)
        SyncToAsync.single_thread_executor = shared_executor


@contextlib.contextmanager
def database_reachable_inside() -> Iterator[None]:
    """PostgreSQL through its Unix socket: the host's 127.0.0.1 is not reachable inside.

    SQLite needs nothing. Connections opened meanwhile by threads inside use the
    socket folder; the setting is restored afterwards.
    """
    settings = connections.databases["default"]
    old = settings.get("HOST")
    if settings["ENGINE"].endswith("postgresql") and old in ("127.0.0.1", "localhost"):
        settings["HOST"] = "/var/run/postgresql"
        try:
            yield
        finally:
            settings["HOST"] = old
    else:
        yield


# -- the browser ---------------------------------------------------------------------


def chromium_args(wav: Path) -> list[str]:
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
        "--autoplay-policy=no-user-gesture-required",
        # Host candidates with real addresses (Janus ignores mDNS names).
        "--disable-features=WebRtcHideLocalIpsWithMdns",
    ]


def enter_room(page: Page, base: str, user: Any, secret: str, meeting_id: str) -> None:
    """Log in with password and TOTP, then pass the identity check page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/**")
    page.locator("input[name=code]").first.fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/meetings/")
    page.goto(f"{base}/meetings/{meeting_id}/room/")
    page.wait_for_url(f"**/meetings/{meeting_id}/room/check/")
    page.locator("#device-start").click()
    page.wait_for_function(
        "() => document.getElementById('mic-level').dataset.moved === 'true'"
    )
    page.locator("#id_device_ok").check()
    page.locator("#check-submit").click()
    page.wait_for_url(f"**/meetings/{meeting_id}/room/")
    expect(page.locator("#connection-state")).to_have_attribute(
        "data-state", "connected"
    )


def media_status(page: Page) -> dict[str, Any]:
    status: dict[str, Any] = page.evaluate("() => ({...window.prachumMedia})")
    return status


def wait_media(page: Page, expression: str, timeout_ms: int = 20_000) -> None:
    """Wait until ``expression`` (over ``m`` = window.prachumMedia) is true."""
    try:
        page.wait_for_function(
            "() => { const m = window.prachumMedia; "
            f"return Boolean(m && ({expression})); }}",
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        raise AssertionError(
            f"not true in {timeout_ms} ms: {expression}; media: {media_status(page)}"
        ) from None
