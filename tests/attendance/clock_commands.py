"""Fake ``chronyc`` and ``timedatectl``: scripts that print what the real commands print.

No Django here, so the clock tests can run without it.
"""

from __future__ import annotations

import stat
from pathlib import Path

CHRONYC_SYNCED = """\
Reference ID    : CB9A4D0A (time1.nimt.or.th)
Stratum         : 2
Ref time (UTC)  : Mon Mar 02 02:00:00 2026
System time     : 0.000012345 seconds fast of NTP time
Last offset     : +0.000010123 seconds
RMS offset      : 0.000021456 seconds
Frequency       : 12.345 ppm slow
Residual freq   : +0.001 ppm
Skew            : 0.052 ppm
Root delay      : 0.004123456 seconds
Root dispersion : 0.000543210 seconds
Update interval : 64.4 seconds
Leap status     : Normal
"""

CHRONYC_UNSYNCED = """\
Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
System time     : 0.000000000 seconds fast of NTP time
Last offset     : +0.000000000 seconds
RMS offset      : 0.000000000 seconds
Frequency       : 0.000 ppm slow
Residual freq   : +0.000 ppm
Skew            : 0.000 ppm
Root delay      : 1.000000000 seconds
Root dispersion : 1.000000000 seconds
Update interval : 0.0 seconds
Leap status     : Not synchronised
"""


def write_command(folder: Path, name: str, stdout: str, exit_code: int = 0) -> None:
    """An executable ``name`` in ``folder`` that prints ``stdout`` and exits."""
    script = folder / name
    script.write_text(
        f"#!/bin/sh\n/bin/cat <<'PRACHUM_EOF'\n{stdout}PRACHUM_EOF\nexit {exit_code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
