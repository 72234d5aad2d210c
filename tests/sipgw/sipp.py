"""Running Debian's SIPp (``sip-tester``) against a :class:`SipServer` on loopback.

Each run is one call (``-m 1``), bounded by ``-timeout`` and by a wall-clock wait; its
exit code is 0 when the scenario passed (every ``check_it`` regexp matched). Without
``sipp`` the tests skip, and fail under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from prachum.sipgw.server import SipConfig

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SIPP_PCAPS = Path("/usr/share/sip-tester")


def require_sipp() -> str:
    """The path of ``sipp``; a skip (a failure under CI=true) when it is missing."""
    found = shutil.which("sipp")
    if found and SIPP_PCAPS.is_dir():
        return found
    message = "SIPp (Debian sip-tester) is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required in CI)")
    pytest.skip(message)


def require_root_for_pcap() -> None:
    """SIPp plays pcaps through a raw socket: root is needed."""
    if os.geteuid() != 0:
        message = "SIPp's pcap play needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_even_udp_ports(count: int = 6) -> int:
    """A port p such that p..p+count-1 look free (SIPp's media ports)."""
    for _ in range(50):
        base = free_udp_port() & ~1
        socks: list[socket.socket] = []
        try:
            for offset in range(count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise OSError("no free media ports")


def loopback_config(**overrides: object) -> SipConfig:
    base = free_even_udp_ports(40)
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "udp_port": 0,
        "tcp_port": 0,
        "rtp_ports": (base, base + 39),
        "t1": 0.5,
    }
    values.update(overrides)
    return SipConfig(**values)  # type: ignore[arg-type]


@dataclass
class SippRun:
    returncode: int
    output: str
    errors: str


async def run_sipp(
    scenario: str,
    target: tuple[str, int],
    folder: Path,
    *,
    transport: str = "u1",
    service: str = "1234",
    extra: tuple[str, ...] = (),
    wait: float = 30.0,
) -> SippRun:
    """Run one call of ``scenarios/<scenario>`` against ``target``; bounded."""
    sipp = require_sipp()
    error_file = folder / f"{scenario}.errors.log"
    args = [
        sipp, f"{target[0]}:{target[1]}",
        "-sf", str(SCENARIOS / scenario),
        "-m", "1", "-l", "1", "-timeout", "20s", "-nostdin",
        "-t", transport, "-s", service,
        "-i", "127.0.0.1", "-p", str(free_udp_port()),
        "-mi", "127.0.0.1", "-mp", str(free_even_udp_ports()),
        "-trace_err", "-error_file", str(error_file),
        *extra,
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), wait)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    errors = error_file.read_text(errors="replace") if error_file.exists() else ""
    return SippRun(process.returncode or 0, out.decode(errors="replace"), errors)


def read_pcap_rtp(path: Path) -> list[bytes]:
    """The RTP packets (UDP payloads) of an Ethernet/IPv4 pcap, in order."""
    data = path.read_bytes()
    offset, packets = 24, []
    while offset + 16 <= len(data):
        length = int.from_bytes(data[offset + 8 : offset + 12], "little")
        frame = data[offset + 16 : offset + 16 + length]
        offset += 16 + length
        ihl = (frame[14] & 0x0F) * 4
        packets.append(frame[14 + ihl + 8 :])
    return packets
