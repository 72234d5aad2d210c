"""The web process keeps full garbage collections out of the fan-out (issue 4)."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest

from prachum.realtime import gc_tuning


@pytest.fixture
def tuning() -> Any:
    yield gc_tuning
    gc_tuning.stop()


def test_start_freezes_and_the_cycle_unfreezes_for_a_full_collection(
    tuning: Any,
) -> None:
    assert tuning.start(freeze_seconds=0, full_collect_minutes=10) is False
    assert gc.get_freeze_count() == 0
    # 50 ms freezes, a full collection allowed every 0.15 s
    assert tuning.start(freeze_seconds=0.05, full_collect_minutes=0.0025) is True
    assert gc.get_freeze_count() > 0
    assert tuning.start(freeze_seconds=0.05, full_collect_minutes=10) is False
    unfrozen = False
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not unfrozen:
        unfrozen = gc.get_freeze_count() == 0
        time.sleep(0.005)
    assert unfrozen  # the periodic unfreeze happened
    tuning.stop()
    assert gc.get_freeze_count() == 0


@pytest.mark.asyncio
async def test_the_server_lifespan_starts_and_stops_it(
    tuning: Any, settings: Any
) -> None:
    from config.asgi import application

    settings.GC_FREEZE_SECONDS = 30
    settings.DEMO_MODE = True  # no mail server in the tests: a demonstration
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []
    frozen_after_startup: list[int] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "lifespan.startup.complete":
            frozen_after_startup.append(gc.get_freeze_count())

    await application({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert frozen_after_startup[0] > 0
    assert gc.get_freeze_count() == 0
