"""CPU of the SIP gateway and of Janus per SIP caller, one JSON line per figure.

Run: ``.venv/bin/python bench/sip.py`` (options: ``--n 10,30`` callers per run,
``--seconds 20`` measured, ``--warmup 3``, ``--join-seconds 60``, ``--stand-in``,
``--max-seconds 900``; see ``--help``). Needs root,
iproute2, Janus, SIPp (``sip-tester``) and tcpdump: everything runs in a private
network namespace that the run creates and deletes (``tests/netns.py``: the gateway
and Janus on 10.77.0.1, the callers on 10.77.0.2; nothing touches the machine's own
interfaces). Never part of the test suite; figures are reported, not asserted.

Per N: Janus (``tests/media/netns_fixtures.start_janus``) is shared; a fresh
SQLite database in the run's folder is migrated and seeded (``bench/_sip_setup.py``,
run inside the namespace with the gateway's environment :func:`gateway_env`: a
committee of N members and a chair, an open electronic meeting with its VideoRoom,
the meeting's dial code and each member's personal PIN); then the gateway
(:data:`GATEWAY_COMMAND`, ``manage.py sipgw``) is started. N SIPp callers
(``tests/sip/sipp.py``, one process each, own ports) dial the meeting's code, key
their own PIN and ``#`` and send 20 ms PCMA (a tone pattern) until the window has
passed, then hang up. Once every caller is identified (``SipCall`` rows, at most
``--join-seconds``) and ``--warmup`` seconds more, for ``--seconds``:

* ``figure: run``: CPU seconds (``/proc/<pid>/stat`` utime+stime, plus waited-for
  children such as espeak-ng) of the gateway and of Janus over the window, per
  caller and as % of one core; the callers' (SIPp) CPU apart; RTP packets sent to
  the gateway and back to the callers during the window (``tcpdump`` inside the
  namespace; ``capture_dropped_by_kernel``: what tcpdump itself lost, when not 0
  the counts are lower bounds); how many callers ended with SIPp exit code 0;
  ``identified``: how many calls the gateway identified by PIN
  (``SipCall.identified_at``) and ``open_sip_connections`` during the window,
  ``end_reasons`` after the hang-up.

``--stand-in`` replaces the gateway by a SIPp UAS (answers, then waits for BYE):
it checks the harness and the measuring itself without a gateway (the test suite
runs it with ``--n 2``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.media.netns_fixtures import NetnsJanus, start_janus  # noqa: E402
from tests.netns import NetNamespace  # noqa: E402
from tests.netns import unavailable_reason as netns_unavailable  # noqa: E402
from tests.sip import audio, calls, rtp, sipp  # noqa: E402

#: How the real gateway starts (inside the namespace, cwd = the repository).
GATEWAY_COMMAND = [sys.executable, "manage.py", "sipgw"]
SIP_PORT = 5070
SIP_RTP_PORTS = "40000-40999"


def emit(line: dict[str, Any]) -> None:
    print(json.dumps({"bench": "sip"} | line, ensure_ascii=False), flush=True)


def log(text: str) -> None:
    print(f"[sip] {text}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of ``pid`` (``/proc/<pid>/stat``), seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    # After the command: state is field 3; utime..cstime are fields 14..17 (1-based).
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


# -- the thing under test -------------------------------------------------------------


def gateway_env(janus: NetnsJanus, folder: Path) -> dict[str, str]:
    """Settings for ``manage.py sipgw`` inside the namespace (config/settings.py)."""
    config = janus.config
    return os.environ | {
        "PRACHUM_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'var' / 'bench.sqlite3'}",
        "JANUS_ENABLED": "true",
        "JANUS_SERVER_NAME": config.server_name,
        "JANUS_HTTP_URL": janus.http_url,
        "JANUS_ADMIN_URL": janus.admin_url,
        "JANUS_API_SECRET": config.api_secret,
        "JANUS_ADMIN_SECRET": config.admin_secret,
        "JANUS_TOKEN_SECRET": config.token_secret,
        "JANUS_ROOM_ADMIN_KEY": config.room_admin_key,
        "JANUS_EVENTS_SECRET": config.events_secret,
        "JANUS_RECORDINGS_DIR": str(config.recordings_dir),
        "SIP_ENABLED": "true",
        "SIP_HOST": janus.ns.address,
        "SIP_PORT": str(SIP_PORT),
        "SIP_MEDIA_HOST": janus.ns.address,
        "SIP_RTP_PORTS": SIP_RTP_PORTS,
        "SIP_JANUS_RTP_HOST": "127.0.0.1",
        # No mail, no Redis inside the namespace (in-memory channel layer), quiet logs.
        "DEMO_MODE": "true",
        "EMAIL_URL": "",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Target:
    """The process the callers dial: the gateway, or SIPp standing in for it."""

    name: str
    process: subprocess.Popen[Any]
    address: tuple[str, int]
    log: Path
    sipp: sipp.Sipp | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def close(self) -> None:
        if self.sipp is not None:
            self.sipp.wait(30)  # it ends after the last caller's BYE
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_stand_in(ns: NetNamespace, folder: Path, n: int, limit: float) -> Target:
    scenario = calls.uas_scenario(folder / "stand-in.xml", bye_timeout=limit)
    server = sipp.start_sipp(
        ns, folder, "stand-in", scenario=scenario, sip_port=SIP_PORT,
        media_port=sipp.free_ports(ns, base=30000), calls=n, rate=1000,
        timeout=limit,
    )  # fmt: skip
    return Target(
        "sipp-uas (stand-in)",
        server.process,
        server.local,
        folder / "stand-in.stderr",
        server,
    )


def setup_db(
    ns: NetNamespace, env: dict[str, str], *args: str, timeout: float = 300.0
) -> dict[str, Any]:
    """``bench/_sip_setup.py *args`` inside ``ns`` with ``env``; its JSON answer."""
    process = ns.popen(
        [sys.executable, str(ROOT / "bench" / "_sip_setup.py"), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=10)
        raise
    if process.returncode != 0:
        raise RuntimeError(f"_sip_setup.py {args[0]} failed: {err[-2000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def prepare_meeting(
    ns: NetNamespace, janus: NetnsJanus, folder: Path, members: int
) -> tuple[dict[str, str], dict[str, Any]]:
    """A migrated database in ``folder/var`` with an open meeting of ``members``
    members (``bench/_sip_setup.py seed``); the gateway's env and the seed."""
    (folder / "var").mkdir(parents=True, exist_ok=True)
    env = gateway_env(janus, folder)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return env, setup_db(ns, env, "seed", str(members))


def start_gateway(
    ns: NetNamespace, env: dict[str, str], folder: Path, ready_timeout: float = 30.0
) -> Target:
    """:data:`GATEWAY_COMMAND` inside ``ns``; returns once its SIP port answers."""
    out = folder / "gateway.log"
    with out.open("wb") as f:
        process = ns.popen(
            GATEWAY_COMMAND, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    target = Target("prachum-sipgw", process, (ns.address, SIP_PORT), out)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited: {out.read_text()[-2000:]}")
        if sipp.sip_options(ns, target.address).startswith("SIP/2.0 200"):
            return target
        time.sleep(0.3)
    target.close()
    raise RuntimeError(f"the gateway did not answer OPTIONS in {ready_timeout} s")


def wait_identified(
    ns: NetNamespace, env: dict[str, str], meeting: str, n: int, seconds: float
) -> dict[str, Any]:
    """Poll the gateway's ``SipCall`` rows until ``n`` are identified (bounded)."""
    deadline = time.monotonic() + seconds
    state = setup_db(ns, env, "calls", meeting)
    while state["identified"] < n and time.monotonic() < deadline:
        time.sleep(1.0)
        state = setup_db(ns, env, "calls", meeting)
    return state


# -- one run --------------------------------------------------------------------------


def measure(
    ns: NetNamespace, janus: NetnsJanus, folder: Path, n: int, args: Any
) -> dict[str, Any]:
    run_dir = folder / f"n{n}"
    run_dir.mkdir(parents=True)
    seeded: dict[str, Any] = {}
    env: dict[str, str] = {}
    if args.stand_in:
        dial, pins = "4711", []
    else:
        env, seeded = prepare_meeting(ns, janus, run_dir, n)
        dial, pins = seeded["dial"], [p + "#" for p in seeded["pins"]]
        log(f"meeting {seeded['meeting']} ({seeded['status']}): dial {dial}, PINs "
            + ",".join(seeded["pins"]))  # fmt: skip
    wait = 1.5
    join = args.join_seconds if pins else 0.0
    talk = join + args.warmup + args.seconds + 5.0
    limit = wait + 3.0 + talk + 30
    if args.stand_in:
        target = start_stand_in(ns, run_dir, n, limit)
    else:
        target = start_gateway(ns, env, run_dir)
    callers: list[sipp.Sipp] = []
    cap: sipp.Capture | None = None
    joined: dict[str, Any] = {}
    after: dict[str, Any] = {}
    try:
        cap = sipp.capture(ns, run_dir / "rtp.pcap")
        began = time.monotonic()
        for index in range(n):
            plan = calls.CallPlan(
                dial=dial,
                pins=[pins[index]] if pins else [],
                speech=audio.tone_pattern(index, talk),
                wait=wait,
                after_pins=0.5,
                listen=0.0,
                display=f"Bench caller {index}",
                user=f"bench{index}",
            )
            call = calls.plan_call(run_dir / f"c{index}", f"c{index}", plan)
            callers.append(
                sipp.start_sipp(
                    ns,
                    run_dir,
                    f"c{index}",
                    scenario=call.scenario,
                    remote=target.address,
                    timeout=limit,
                )
            )
        if pins:
            # Everyone has dialled and keyed the PIN: wait until the gateway has
            # identified them all (or the join allowance is up).
            joined = wait_identified(ns, env, seeded["meeting"], n, join)
            log(f"identified {joined['identified']} of {n} after "
                f"{time.monotonic() - began:.1f} s: {joined}")  # fmt: skip
            time.sleep(args.warmup)
        else:
            time.sleep(max(0.0, began + wait + args.warmup - time.monotonic()))
        first = _snapshot(target, janus, callers)
        time.sleep(args.seconds)
        last = _snapshot(target, janus, callers)
        results = [c.wait() for c in callers]
        if pins:
            time.sleep(1.0)  # the gateway records the hang-ups
            after = setup_db(ns, env, "calls", seeded["meeting"])
    finally:
        for caller in callers:
            caller.stop()
        if cap is not None:
            cap.stop()
        target.close()
    wall = last["t"] - first["t"]
    gateway_cpu = last["gateway"] - first["gateway"]
    janus_cpu = last["janus"] - first["janus"]
    capture_lost = _capture_dropped(run_dir / "rtp.tcpdump.log")
    media_ports = {c.media[1] for c in callers}
    datagrams = rtp.read_pcap(run_dir / "rtp.pcap") if cap else []
    in_window = [d for d in datagrams if first["epoch"] <= d.time <= last["epoch"]]
    to_gateway = sum(1 for d in in_window if d.src[1] in media_ports)
    to_callers = sum(1 for d in in_window if d.dst[1] in media_ports)
    return {
        "figure": "run",
        "n": n,
        "gateway": target.name,
        "seconds": round(wall, 2),
        "gateway_cpu_s": round(gateway_cpu, 3),
        "gateway_cpu_s_per_caller": round(gateway_cpu / n, 4),
        "gateway_cpu_pct": round(100 * gateway_cpu / wall, 2),
        "gateway_cpu_pct_per_caller": round(100 * gateway_cpu / wall / n, 3),
        "janus_cpu_s": round(janus_cpu, 3),
        "janus_cpu_s_per_caller": round(janus_cpu / n, 4),
        "janus_cpu_pct": round(100 * janus_cpu / wall, 2),
        "janus_cpu_pct_per_caller": round(100 * janus_cpu / wall / n, 3),
        "callers_cpu_pct": round(100 * (last["callers"] - first["callers"]) / wall, 1),
        "rtp_packets_to_gateway": to_gateway,
        "rtp_packets_to_callers": to_callers,
        "rtp_packets_expected_each_way": round(50 * n * wall),
        # tcpdump's own losses (the whole run, loopback to Janus included): when not
        # 0, the packet counts above are lower bounds, not the gateway's losses.
        "capture_dropped_by_kernel": capture_lost,
        "callers_ok": sum(1 for r in results if r.ok),
        "caller_exit_codes": sorted({r.returncode for r in results}),
        "identified_by_pin": bool(pins),
        "dial": dial,
        "identified": joined.get("identified", 0),
        "open_sip_connections": joined.get("open_sip_connections", 0),
        "distinct_members": joined.get("distinct_members", 0),
        "end_reasons": after.get("end_reasons", {}),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def _capture_dropped(log: Path) -> int | None:
    """``N packets dropped by kernel`` from tcpdump's closing words, if it said so."""
    with contextlib.suppress(OSError):
        for line in log.read_text(errors="replace").splitlines():
            if line.endswith("packets dropped by kernel"):
                return int(line.split()[0])
    return None


def _snapshot(
    target: Target, janus: NetnsJanus, callers: list[sipp.Sipp]
) -> dict[str, float]:
    callers_cpu = 0.0
    for caller in callers:
        with contextlib.suppress(OSError):
            callers_cpu += cpu_seconds(caller.pid)
    return {
        "t": time.monotonic(),
        "epoch": time.time(),
        "gateway": cpu_seconds(target.pid),
        "janus": cpu_seconds(janus.pid),
        "callers": callers_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", default="10,30", help="callers per run")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--join-seconds", type=float, default=60.0, help="for every PIN to be taken"
    )
    parser.add_argument("--stand-in", action="store_true", help="SIPp UAS as gateway")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.n.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or max(sizes) > 100:
        parser.error("--n must list 1..100 callers")
    if not 1 <= args.seconds <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--seconds must be 1..600, --warmup 0..60")
    if not 1 <= args.join_seconds <= 300:
        parser.error("--join-seconds must be 1..300")
    reason = (
        netns_unavailable()
        or sipp.unavailable_reason()
        or (None if shutil.which("janus") else "Janus is not installed")
    )
    if reason:
        emit({"figure": "error", "error": reason})
        sys.exit(1)
    deadline = time.monotonic() + args.max_seconds
    folder = Path(tempfile.mkdtemp(prefix="prachum-bench-sip-"))
    failed = False
    try:
        with NetNamespace() as ns:
            janus = start_janus(ns, folder / "janus", debug_level=3)
            emit({"figure": "setup", "janus_start_s": round(janus.start_seconds, 3)})
            try:
                for n in sizes:
                    if time.monotonic() > deadline:
                        emit({"figure": "run", "n": n, "error": "--max-seconds"})
                        failed = True
                        continue
                    log(f"n={n}")
                    try:
                        emit(measure(ns, janus, folder, n, args))
                    except Exception as exc:  # report and go on
                        emit({"figure": "run", "n": n, "error": repr(exc)})
                        failed = True
            finally:
                janus.close()
    finally:
        if os.environ.get("BENCH_SIP_KEEP"):
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
