"""Ending the child processes tests start (Janus, web, worker, Redis)."""

from __future__ import annotations

import subprocess
from typing import Any


def terminate(process: subprocess.Popen[Any] | None, *, seconds: float = 10) -> None:
    """SIGTERM and wait; SIGKILL if it does not end within ``seconds``."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)
