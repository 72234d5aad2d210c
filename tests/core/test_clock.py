"""Reading the server clock's synchronisation (R39) from chrony or systemd.

The commands are replaced by scripts on ``PATH`` that print what the real ones print;
the parsing and the fallbacks are ours and run unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prachum.core.clock import (
    clock_sync_status,
    parse_chronyc_tracking,
    parse_timedatectl,
)
from tests.fixtures.clock_commands import (
    CHRONYC_SYNCED,
    CHRONYC_UNSYNCED,
    write_command,
)

CHRONYC_SLOW = CHRONYC_SYNCED.replace(
    "0.000012345 seconds fast", "0.002500000 seconds slow"
)

TIMEDATECTL_SYNCED = """\
Timezone=Asia/Bangkok
LocalRTC=no
CanNTP=yes
NTP=yes
NTPSynchronized=yes
TimeUSec=Mon 2026-03-02 09:00:00 +07
RTCTimeUSec=Mon 2026-03-02 09:00:00 +07
"""

TIMEDATECTL_UNSYNCED = TIMEDATECTL_SYNCED.replace(
    "NTPSynchronized=yes", "NTPSynchronized=no"
)


def test_chrony_synchronised() -> None:
    status = parse_chronyc_tracking(CHRONYC_SYNCED)
    assert status["source"] == "chronyc"
    assert status["synced"] is True
    assert status["offset_ms"] == pytest.approx(0.012345)
    assert status["reference"] == "CB9A4D0A (time1.nimt.or.th)"


def test_chrony_slow_clock_has_a_negative_offset() -> None:
    assert parse_chronyc_tracking(CHRONYC_SLOW)["offset_ms"] == pytest.approx(-2.5)


def test_chrony_not_synchronised() -> None:
    status = parse_chronyc_tracking(CHRONYC_UNSYNCED)
    assert status["synced"] is False
    assert status["reference"] == "00000000 ()"
    assert status["offset_ms"] == 0


def test_chrony_output_without_a_leap_status_is_not_synchronised() -> None:
    text = "\n".join(line for line in CHRONYC_SYNCED.splitlines() if "Leap" not in line)
    assert parse_chronyc_tracking(text)["synced"] is False
    assert parse_chronyc_tracking("")["offset_ms"] is None


@pytest.mark.parametrize(
    ("text", "synced"), [(TIMEDATECTL_SYNCED, True), (TIMEDATECTL_UNSYNCED, False)]
)
def test_timedatectl_show(text: str, synced: bool) -> None:
    status = parse_timedatectl(text)
    assert (status["source"], status["synced"], status["offset_ms"]) == (
        "timedatectl",
        synced,
        None,
    )


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``PATH`` is this empty folder alone: no real chronyc or timedatectl is found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_unknown_when_neither_command_exists(bin_dir: Path) -> None:
    assert clock_sync_status() == {
        "source": "unknown",
        "synced": None,
        "offset_ms": None,
        "reference": None,
    }


def test_chrony_is_asked_first(bin_dir: Path) -> None:
    write_command(bin_dir, "chronyc", CHRONYC_UNSYNCED)
    write_command(bin_dir, "timedatectl", TIMEDATECTL_SYNCED)
    status = clock_sync_status()
    assert (status["source"], status["synced"]) == ("chronyc", False)


def test_systemd_answers_when_chrony_cannot(bin_dir: Path) -> None:
    # chronyc without a running chronyd prints an error and exits non-zero.
    write_command(bin_dir, "chronyc", "506 Cannot talk to daemon\n", exit_code=1)
    write_command(bin_dir, "timedatectl", TIMEDATECTL_SYNCED)
    status = clock_sync_status()
    assert (status["source"], status["synced"]) == ("timedatectl", True)


def test_unknown_when_both_commands_fail(bin_dir: Path) -> None:
    write_command(bin_dir, "chronyc", "506 Cannot talk to daemon\n", exit_code=1)
    write_command(
        bin_dir,
        "timedatectl",
        "System has not been booted with systemd as init system (PID 1).\n",
        exit_code=1,
    )
    assert clock_sync_status()["source"] == "unknown"
