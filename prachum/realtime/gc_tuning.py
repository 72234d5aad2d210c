"""Keep Python's full garbage collections out of the room's fan-out.

Measured (``bench/fanout.py``, 1,000 sockets in one process, issue 4): a full (gen 2)
collection walks every object of the process — Django, the sockets, their scopes and
sessions — and took 175-260 ms, every 1.5-2 s while events were flowing: the tail
of the fan-out (p99) was these pauses.

``gc.freeze()`` moves every object alive now into a permanent generation the collector
no longer walks; objects made later are collected as usual. Freezing every
``GC_FREEZE_SECONDS`` keeps the walked set to what was made since. Cyclic garbage
among frozen objects (a socket that closed after being frozen) is only found once they
are unfrozen, so every ``GC_FULL_COLLECT_MINUTES`` everything is unfrozen and the next
full collection walks it all once: one pause of that size per period instead of one
every two seconds. ``GC_FREEZE_SECONDS=0`` turns this off.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_stop = threading.Event()
_thread: threading.Thread | None = None


def _run_cycle(*, freeze_seconds: float, full_collect_seconds: float) -> None:
    """Freeze now and then; unfreeze once per ``full_collect_seconds``; until stopped."""
    last_unfreeze = time.monotonic()
    while not _stop.wait(freeze_seconds):
        if time.monotonic() - last_unfreeze >= full_collect_seconds:
            gc.unfreeze()
            last_unfreeze = time.monotonic()
            if _stop.wait(freeze_seconds):  # let one full collection happen first
                break
        gc.freeze()


def start(*, freeze_seconds: float, full_collect_minutes: float) -> bool:
    """Freeze what exists now (Django, the modules) and start the cycle; once per
    process. ``False`` when it is off or already running."""
    global _thread
    with _lock:
        if freeze_seconds <= 0 or _thread is not None:
            return False
        _stop.clear()
        gc.freeze()
        _thread = threading.Thread(
            target=_run_cycle,
            kwargs={
                "freeze_seconds": freeze_seconds,
                "full_collect_seconds": max(full_collect_minutes * 60, freeze_seconds),
            },
            name="prachum-gc-freeze",
            daemon=True,
        )
        _thread.start()
    logger.info(
        "gc: freezing every %ss, full collection every %s min",
        freeze_seconds,
        full_collect_minutes,
    )
    return True


def stop() -> None:
    """End the cycle and give every object back to the collector."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
        _stop.set()
    if thread is not None:
        thread.join(timeout=5)
    gc.unfreeze()
