"""SIPp callers inside the test network namespace, and what they heard.

The namespace (:class:`tests.netns.NetNamespace`) holds both ends of a veth pair:
the gateway (or Janus) listens on ``ns.address`` (10.77.0.1), callers use
``ns.peer_address`` (10.77.0.2). Nothing touches the machine's own interfaces.

Scenarios and the pcaps they play come from :mod:`tests.sip.calls`.

:class:`Sipp` starts ``sipp`` inside the namespace, bounded (``-m`` calls,
``-timeout``, and a wall-clock limit in :meth:`Sipp.wait`), with its message and
error logs in the folder: :class:`SippResult` carries the exit code, stderr and both
logs. :class:`Capture` runs ``tcpdump -i any`` inside the namespace (SIPp cannot save
what it receives); :func:`tests.sip.rtp.received_audio` decodes a caller's media port
from the file.

Addresses inside one namespace are all local, so packets between 10.77.0.2 and
10.77.0.1 go over ``lo``: capture on ``any`` (the decoder drops the duplicates).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.netns import NetNamespace

SIPP = "/usr/bin/sipp"
_port_counter = itertools.count()


class SippUnavailableError(RuntimeError):
    """SIPp or tcpdump is not installed (scripts/system-deps.sh test)."""


def unavailable_reason() -> str | None:
    """Why SIPp callers cannot run here (besides the namespace), or None."""
    if not os.access(SIPP, os.X_OK):
        return "SIPp is not installed (apt-get install sip-tester)"
    if shutil.which("tcpdump") is None:
        return "tcpdump is not installed (apt-get install tcpdump)"
    return None


# -- a SIP probe ---------------------------------------------------------------------


def sip_options(
    ns: NetNamespace, address: tuple[str, int], *, timeout: float = 0.5
) -> str:
    """Send one OPTIONS over UDP from the callers' side; the reply's status line.

    "" when nothing answered within ``timeout``. For waiting until a gateway is up
    (:func:`wait_for_sip`) and for checking its keep-alive answer.
    """

    def probe() -> str:
        tag = os.urandom(6).hex()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            sock.bind((ns.peer_address, 0))
            port = sock.getsockname()[1]
            request = (
                f"OPTIONS sip:{address[0]}:{address[1]} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {ns.peer_address}:{port};branch=z9hG4bK-{tag}\r\n"
                f"From: <sip:probe@{ns.peer_address}>;tag={tag}\r\n"
                f"To: <sip:{address[0]}>\r\nCall-ID: probe-{tag}\r\n"
                "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            )
            sock.sendto(request.encode(), address)
            try:
                reply = sock.recv(65535)
            except OSError:
                return ""
        return reply.split(b"\r\n", 1)[0].decode(errors="replace")

    return ns.run_in(probe, timeout=timeout + 5)


def wait_for_sip(
    ns: NetNamespace, address: tuple[str, int], *, timeout: float = 20.0
) -> str:
    """OPTIONS every 0.3 s until something answers; its status line (or raise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = sip_options(ns, address)
        if line:
            return line
        time.sleep(0.3)
    raise TimeoutError(f"nothing answered OPTIONS at {address} in {timeout} s")


# -- ports ---------------------------------------------------------------------------


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_ports(ns: NetNamespace, *, base: int = 16000, span: int = 4) -> int:
    """The first of ``span`` consecutive free UDP ports inside ``ns``.

    SIPp binds its media port and the port two above (video); callers get blocks
    of four from a counter, so parallel callers never share one.
    """

    def find() -> int:
        for _ in range(1000):
            start = base + span * (next(_port_counter) % 4000)
            if all(_udp_free(start + i) for i in range(span)):
                return start
        raise RuntimeError("no free UDP ports inside the namespace")

    return ns.run_in(find)


# -- SIPp ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SippResult:
    returncode: int  # 0: every call succeeded; 1: one failed; 97, 99, 255: see sipp(1)
    stdout: str
    stderr: str
    messages: str  # -trace_msg: every SIP message sent and received
    errors: str  # -trace_err: unexpected messages, timeouts
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def received(self) -> list[str]:
        """The SIP messages SIPp received, in order (from the message log)."""
        return _logged(self.messages, "received")

    def sent(self) -> list[str]:
        return _logged(self.messages, "sent")

    def answer_sdp(self) -> str:
        """The SDP body of the first 200 OK received (the gateway's answer), or ""."""
        for message in self.received():
            if message.startswith("SIP/2.0 200") and "\n\n" in message:
                body = message.split("\n\n", 1)[1].strip()
                if body.startswith("v=0"):
                    return body
        return ""

    def explain(self) -> str:
        """For assertion messages: exit code, stderr and the error log's tail."""
        tail = "\n".join(self.errors.splitlines()[-30:])
        return (
            f"sipp exited {self.returncode} after {self.seconds:.1f} s\n"
            f"stderr:\n{self.stderr[-2000:]}\nerrors:\n{tail}\n"
            f"messages (tail):\n{self.messages[-3000:]}"
        )


_LOG_ENTRY = re.compile(
    r"^-{20,} [^\n]*\n\w+ message (sent|received)[^\n]*\n", re.MULTILINE
)


def _logged(log: str, direction: str) -> list[str]:
    """Messages of one direction from a ``-trace_msg`` log (line ends as "\\n")."""
    parts = _LOG_ENTRY.split(log.replace("\r\n", "\n"))
    # split() gives [before, dir1, text1, dir2, text2, ...]
    return [
        text.strip("\n")
        for kind, text in zip(parts[1::2], parts[2::2], strict=True)
        if kind == direction
    ]


@dataclass
class Sipp:
    """One SIPp process inside the namespace (see :func:`start_sipp`)."""

    name: str
    process: subprocess.Popen[bytes]
    folder: Path
    local: tuple[str, int]  # SIP address of SIPp
    media: tuple[str, int]  # its RTP address (where it receives)
    started: float
    limit: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self, suffix: str) -> str:
        path = self.folder / f"{self.name}{suffix}"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait(self, timeout: float | None = None) -> SippResult:
        """Wait (at most ``timeout``, default the start's limit), then the result.

        A SIPp still running then is killed and reported with exit code -9.
        """
        left = self.limit - (time.monotonic() - self.started)
        try:
            self.process.wait(timeout=max(0.1, timeout if timeout else left))
        except subprocess.TimeoutExpired:
            self.stop()
        return SippResult(
            returncode=self.process.returncode,
            stdout=self._read(".stdout"),
            stderr=self._read(".stderr"),
            messages=self._read("-messages.log"),
            errors=self._read("-errors.log"),
            seconds=time.monotonic() - self.started,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def running(self) -> bool:
        return self.process.poll() is None


def start_sipp(
    ns: NetNamespace,
    folder: Path,
    name: str,
    *,
    scenario: Path | str,
    remote: tuple[str, int] | None = None,
    local_ip: str | None = None,
    sip_port: int = 0,
    media_port: int = 0,
    calls: int = 1,
    rate: float = 10.0,
    timeout: float = 60.0,
    transport: str = "u1",
    extra: Sequence[str] = (),
) -> Sipp:
    """Start ``sipp`` inside ``ns``; it ends after ``calls`` calls or ``timeout`` s.

    ``scenario`` is a path (``-sf``) or a built-in name (``"uas"``, ``"uac"``:
    ``-sn``). ``remote`` None makes it a server (UAS). ``local_ip`` defaults to the
    caller's side (10.77.0.2) for a client, the gateway's (10.77.0.1) for a server.
    Ports 0 are picked free inside the namespace. Logs go to ``folder/<name>*``.
    """
    reason = unavailable_reason()
    if reason:
        raise SippUnavailableError(reason)
    folder.mkdir(parents=True, exist_ok=True)
    ip = local_ip or (ns.peer_address if remote else ns.address)
    if not sip_port or not media_port:
        block = free_ports(ns)
        sip_port = sip_port or block + 1
        media_port = media_port or block
    argv = [SIPP]
    if remote:
        argv.append(f"{remote[0]}:{remote[1]}")
    if isinstance(scenario, Path):
        argv += ["-sf", str(scenario)]
    else:
        argv += ["-sn", scenario]
    argv += [
        "-i", ip, "-p", str(sip_port), "-mi", ip, "-mp", str(media_port),
        "-t", transport, "-m", str(calls), "-l", str(calls), "-r", f"{rate:g}",
        "-timeout", f"{max(1, round(timeout))}s", "-timeout_error",
        "-aa",  # answer INFO, NOTIFY, OPTIONS and UPDATE in a call with 200
        "-nostdin",  # an unexpected message fails the call (and SIPp sends BYE)
        "-trace_msg", "-message_file", str(folder / f"{name}-messages.log"),
        "-trace_err", "-error_file", str(folder / f"{name}-errors.log"),
        *extra,
    ]  # fmt: skip
    with (
        (folder / f"{name}.stdout").open("wb") as out,
        (folder / f"{name}.stderr").open("wb") as err,
    ):
        process = ns.popen(
            argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=folder
        )
    return Sipp(
        name=name,
        process=process,
        folder=folder,
        local=(ip, sip_port),
        media=(ip, media_port),
        started=time.monotonic(),
        limit=timeout + 15,
    )


# -- capture -------------------------------------------------------------------------


@dataclass
class Capture:
    """``tcpdump -i any`` inside the namespace, writing ``path`` (see :func:`capture`)."""

    path: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> Path:
        """Stop tcpdump (SIGINT: it flushes and closes the file); the file."""
        if self.process.poll() is None:
            time.sleep(0.2)  # packets still on their way
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.path

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def capture(
    ns: NetNamespace,
    path: Path,
    *,
    udp_ports: Sequence[int] = (),
    ready_timeout: float = 10.0,
) -> Capture:
    """Start capturing UDP inside ``ns`` (only to/from ``udp_ports`` if given).

    Returns once tcpdump says it listens. ``--immediate-mode`` hands each packet
    over at once (otherwise libpcap holds back up to a ring-buffer block, about the
    last 0.7 s, which is lost when tcpdump is stopped); ``-U`` writes it to the file
    at once, so a capture killed hard keeps what it had; ``-Z root`` keeps writing
    as root.
    """
    if shutil.which("tcpdump") is None:
        raise SippUnavailableError("tcpdump is not installed (apt-get install tcpdump)")
    if path.suffix.lower() != ".pcap":
        # Debian's AppArmor profile for tcpdump lets it write only *.pcap (and *.cap).
        raise ValueError(f"capture file {path.name} must end in .pcap")
    expression = ["udp"]
    if udp_ports:
        expression += ["and", "("]
        for index, port in enumerate(udp_ports):
            expression += (["or"] if index else []) + ["port", str(port)]
        expression.append(")")
    log = path.with_suffix(".tcpdump.log")
    with log.open("wb") as err:
        process = ns.popen(
            ["tcpdump", "-i", "any", "-n", "-U", "--immediate-mode", "-s", "0", "-Z", "root", "-w",
             str(path), *expression],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if "listening on" in log.read_text(errors="replace"):
            return Capture(path, process, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with contextlib.suppress(Exception):
        process.kill()
        process.wait(timeout=5)
    raise RuntimeError(
        f"tcpdump did not start in {ready_timeout} s: {log.read_text(errors='replace')}"
    )
