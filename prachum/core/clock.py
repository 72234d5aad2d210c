"""The server clock's synchronisation status, recorded with the evidence (R39).

The MDES 2563 standard asks that traffic data refer to a standard time; the record
keeps whether the server's clock was synchronised when a meeting opened and closed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

TIMEOUT_SECONDS = 3


def _run(*cmd: str) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        done = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def parse_chronyc_tracking(text: str) -> dict[str, Any]:
    """Read ``chronyc tracking``: the reference and the offset of system time."""
    reference = re.search(r"^Reference ID\s*:\s*(.+)$", text, re.MULTILINE)
    offset = re.search(
        r"^System time\s*:\s*([\d.]+) seconds (fast|slow)", text, re.MULTILINE
    )
    leap = re.search(r"^Leap status\s*:\s*(.+)$", text, re.MULTILINE)
    offset_ms = None
    if offset:
        offset_ms = (
            float(offset.group(1)) * 1000 * (1 if offset.group(2) == "fast" else -1)
        )
    synced = leap is not None and leap.group(1).strip() == "Normal"
    return {
        "source": "chronyc",
        "synced": synced,
        "offset_ms": offset_ms,
        "reference": reference.group(1).strip() if reference else None,
    }


def parse_timedatectl(text: str) -> dict[str, Any]:
    """Read ``timedatectl show``: NTPSynchronized=yes|no."""
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {
        "source": "timedatectl",
        "synced": values.get("NTPSynchronized") == "yes",
        "offset_ms": None,
        "reference": values.get("NTP") or None,
    }


def clock_sync_status() -> dict[str, Any]:
    """Ask chrony, then systemd; when neither answers the status is "unknown" (flagged)."""
    out = _run("chronyc", "tracking")
    if out:
        return parse_chronyc_tracking(out)
    out = _run("timedatectl", "show")
    if out:
        return parse_timedatectl(out)
    return {"source": "unknown", "synced": None, "offset_ms": None, "reference": None}
