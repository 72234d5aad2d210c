"""SIPp callers inside the test network namespace, and what they heard.

The namespace (:class:`tests.netns.NetNamespace`) holds both ends of a veth pair:
the gateway (or Janus) listens on ``ns.address`` (10.77.0.1), callers use
``ns.peer_address`` (10.77.0.2). Nothing touches the machine's own interfaces.

Scenarios are rendered from ``tests/sip/scenarios/`` (``string.Template``):

* :func:`uac_scenario` - INVITE ``sip:<dial>@<gateway>`` offering PCMA/PCMU +
  telephone-event with ``a=ptime``, ACK, then :class:`Pause` and :class:`Play` steps
  (a pcap from :mod:`tests.sip.rtp` played by ``play_pcap_audio``), then an ending:
  ``"bye"`` (the caller hangs up), ``"expect_bye"`` (a BYE must come from the far
  side within ``bye_timeout``; removed by the chair, three wrong PINs) or ``"none"``.
* :func:`plan_call` - the usual caller from a :class:`CallPlan`: wait, key the
  PIN(s), speak, key a second DTMF string later (keypad vote), listen, end. It writes
  the pcaps (one continuous RTP stream, silence between the parts so that RTP never
  stops) and the scenario into a folder.
* :func:`uas_scenario` - a stand-in gateway (answers, optionally plays a pcap,
  waits for BYE) for the harness's own tests and the benchmark's CPU check.

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
import dataclasses
import itertools
import os
import shutil
import signal
import socket
import string
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.netns import NetNamespace
from tests.sip import audio
from tests.sip.rtp import RtpStream, write_pcap

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SIPP = "/usr/bin/sipp"
_RTPMAP = {
    "pcma": (8, "a=rtpmap:8 PCMA/8000"),
    "pcmu": (0, "a=rtpmap:0 PCMU/8000"),
}
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


# -- scenarios ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    seconds: float

    def xml(self) -> str:
        return f'  <pause milliseconds="{round(self.seconds * 1000)}"/>\n'


@dataclass(frozen=True)
class Play:
    """``play_pcap_audio`` of ``pcap``; then wait ``seconds`` (its length) if ``wait``.

    SIPp plays in the background; a new play replaces the one still running, so
    without ``wait`` the next step starts at once (e.g. a recv of the BYE).
    """

    pcap: Path
    seconds: float
    wait: bool = True

    def xml(self) -> str:
        play = (
            "  <nop><action>"
            f'<exec play_pcap_audio="{self.pcap.resolve()}"/>'
            "</action></nop>\n"
        )
        return play + (Pause(self.seconds).xml() if self.wait else "")


Step = Pause | Play


def _template(name: str) -> string.Template:
    return string.Template((SCENARIOS / name).read_text(encoding="utf-8"))


def uac_scenario(
    path: Path,
    *,
    dial: str,
    steps: Sequence[Step] = (),
    ending: str = "bye",
    ptime: int = 20,
    codecs: Sequence[str] = ("pcma",),
    event_payload_type: int = 101,
    display: str = "Test caller",
    user: str = "caller",
    from_domain: str = "vcs.example.go.th",
    domain: str = "prachum.example.go.th",
    bye_timeout: float = 30.0,
) -> Path:
    """Write a caller's scenario (see the module docstring) to ``path``."""
    if ending not in ("bye", "expect_bye", "none"):
        raise ValueError(f"unknown ending {ending!r}")
    payloads = [str(_RTPMAP[c][0]) for c in codecs] + [str(event_payload_type)]
    rtpmaps = [_RTPMAP[c][1] for c in codecs] + [
        f"a=rtpmap:{event_payload_type} telephone-event/8000",
        f"a=fmtp:{event_payload_type} 0-15",
    ]
    values = {
        "name": path.stem,
        "dial": dial,
        "display": display,
        "user": user,
        "from_domain": from_domain,
        "domain": domain,
        "ptime": str(ptime),
        "payload_types": " ".join(payloads),
        "rtpmaps": "".join(f"      {line}\n" for line in rtpmaps),
        "bye_timeout_ms": str(round(bye_timeout * 1000)),
    }
    values["steps"] = "".join(step.xml() for step in steps)
    values["ending"] = (
        _template(f"ending_{ending}.xml").substitute(values) if ending != "none" else ""
    )
    path.write_text(_template("uac.xml").substitute(values), encoding="utf-8")
    return path


def uas_scenario(
    path: Path, *, play: Play | None = None, bye_timeout: float = 60.0
) -> Path:
    """A stand-in gateway: answers PCMA 20 ms, plays ``play`` if given, awaits BYE."""
    values = {
        "name": path.stem,
        "play": play.xml() if play else "",
        "bye_timeout_ms": str(round(bye_timeout * 1000)),
    }
    path.write_text(_template("uas.xml").substitute(values), encoding="utf-8")
    return path


@dataclass
class CallPlan:
    """What one caller does, in order (times in seconds).

    ``pins``: DTMF strings keyed one after the other, ``pin_gap`` apart (one for a
    personal PIN; three wrong ones to be cut off). ``speech`` is spoken after the
    PINs; ``keypad`` (e.g. ``"1"``, a keypad vote) is keyed ``keypad_at`` seconds
    after the speech began; the caller then listens ``listen`` seconds (sending
    silence) and hangs up (``ending="bye"``) or waits for the far side's BYE
    (``"expect_bye"``, at most ``bye_timeout``).
    """

    dial: str
    pins: Sequence[str] = ()
    speech: bytes = b""
    wait: float = 1.5
    pin_gap: float = 1.5
    after_pins: float = 1.0
    keypad: str = ""
    keypad_at: float = 0.0
    listen: float = 5.0
    ending: str = "bye"
    bye_timeout: float = 30.0
    ptime: int = 20
    codecs: Sequence[str] = ("pcma",)
    display: str = "Test caller"
    user: str = "caller"


@dataclass
class PlannedCall:
    scenario: Path
    stream: RtpStream  # every packet the caller sends, with its send time
    pcaps: list[Path] = field(default_factory=list)
    speech_at: float = 0.0  # seconds after the ACK when the speech starts
    seconds: float = 0.0  # the scenario's length up to its ending


def plan_call(folder: Path, name: str, plan: CallPlan) -> PlannedCall:
    """Write ``<name>-*.pcap`` and ``<name>.xml`` for ``plan`` into ``folder``.

    The media is one RTP stream (one SSRC, continuous sequence and timestamps),
    cut into pcaps at the scenario's steps; silence fills every wait after the
    first, so the gateway never sees RTP stop while the call is up.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stream = RtpStream(codec=plan.codecs[0] if plan.codecs else "pcma")
    steps: list[Step] = [Pause(plan.wait)]
    stream.pause(plan.wait)
    pcaps: list[Path] = []

    def part(label: str, build: Callable[[], object], *, wait: bool = True) -> None:
        first, began = len(stream.packets), stream.time
        build()
        packets = [
            dataclasses.replace(p, time=p.time - began) for p in stream.packets[first:]
        ]
        if packets:
            pcap = write_pcap(folder / f"{name}-{len(pcaps)}-{label}.pcap", packets)
            pcaps.append(pcap)
            steps.append(Play(pcap, stream.time - began, wait=wait))

    for index, pin in enumerate(plan.pins):
        gap = plan.pin_gap if index < len(plan.pins) - 1 else plan.after_pins
        part("pin", lambda pin=pin, gap=gap: stream.dtmf(pin).silence(gap))
    speech_at = stream.time
    ptime = plan.ptime
    if plan.keypad:
        before = max(0.0, plan.keypad_at)
        speech = plan.speech + audio.silence(
            max(0.0, before - audio.seconds_of(plan.speech))
        )
        cut = 2 * round(before * audio.RATE)
        head, tail = speech[:cut], speech[cut:]
        part("speech", lambda: stream.audio(head, ptime=ptime))
        part("keypad", lambda: stream.dtmf(plan.keypad))
        rest = tail + audio.silence(plan.listen)
    else:
        rest = plan.speech + audio.silence(plan.listen)
    expecting = plan.ending == "expect_bye"
    part("listen", lambda: stream.audio(rest, ptime=ptime), wait=not expecting)
    seconds = stream.time
    scenario = uac_scenario(
        folder / f"{name}.xml",
        dial=plan.dial,
        steps=steps,
        ending=plan.ending,
        ptime=plan.ptime,
        codecs=plan.codecs,
        display=plan.display,
        user=plan.user,
        bye_timeout=plan.bye_timeout,
    )
    return PlannedCall(scenario, stream, pcaps, speech_at, seconds)


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

    def explain(self) -> str:
        """For assertion messages: exit code, stderr and the error log's tail."""
        tail = "\n".join(self.errors.splitlines()[-30:])
        return (
            f"sipp exited {self.returncode} after {self.seconds:.1f} s\n"
            f"stderr:\n{self.stderr[-2000:]}\nerrors:\n{tail}\n"
            f"messages (tail):\n{self.messages[-3000:]}"
        )


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

    Returns once tcpdump says it listens. ``-U`` writes each packet at once, so a
    capture killed hard keeps what it had; ``-Z root`` keeps it writing as root.
    """
    if shutil.which("tcpdump") is None:
        raise SippUnavailableError("tcpdump is not installed (apt-get install tcpdump)")
    expression = ["udp"]
    if udp_ports:
        expression += ["and", "("]
        for index, port in enumerate(udp_ports):
            expression += (["or"] if index else []) + ["port", str(port)]
        expression.append(")")
    log = path.with_suffix(".tcpdump.log")
    with log.open("wb") as err:
        process = ns.popen(
            ["tcpdump", "-i", "any", "-n", "-U", "-s", "0", "-Z", "root", "-w",
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
