"""WebSocket fan-out of the meeting room, one JSON line per figure.

Run: ``.venv/bin/python bench/fanout.py`` (options: ``--sizes 100,500,1000,2000``,
``--rounds 10``, ``--modes memory,baseline,baseline_small,redis``,
``--concurrency 50``, ``--max-seconds 1500``; see
``--help``). Needs PostgreSQL (``BENCH_PG_URL``, default
``postgres://postgres@127.0.0.1:5432``) and, for ``redis``, Redis at
``BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``, flushed before each run).
Loopback only. Never part of the test suite; the figures are reported, not asserted.

A throwaway database ``prachum_bench_fanout`` gets, per size N, a committee of N
members and a chair and an open meeting with two agenda items; everyone has a fresh
second factor, an identity check and a logged-in session. Per size and mode:

* ``memory``: one ``uvicorn`` process, in-memory channel layer;
* ``redis``: two ``uvicorn`` processes sharing Redis, the members split evenly, the
  chair on the first;
* ``baseline``: a bare ``websockets`` server (``bench/_baseline_ws.py``) that
  broadcasts whatever it receives; the chair sends it a frame of the same size and
  content as our ``agenda.item_started`` event;
* ``baseline_small``: the same server, the event without its participant list (a few
  hundred bytes): what the transport costs when a patch carries only what changed.

The chair and N members connect (at most ``--concurrency`` handshakes at a time, each
waiting for its snapshot; a failed handshake is retried 3 times, a second apart, as a
page would): ``figure: connect`` gives the ramp-up (every join is published to
everyone, so O(N²) frames), and ``ramp_events_missed`` the presence events that never
arrived. Whoever has not connected after ``--connect-seconds`` is refused, and the
size is reported with ``error`` but still measured over those who did. Then
``--rounds`` times (no new round after ``--rounds-seconds``) the chair sends
``item.set`` (alternating items) and every member's arrival time of the resulting event
is taken; rounds never overlap (the next waits for the chair's ack and for silence).
``figure: fanout`` gives p50/p99 over rounds of the time until the *last* member had
it, ``lost`` = deliveries that did not arrive within ``--round-timeout`` (``late`` of
them came later). ``figure: ratio`` divides ours by the baseline. CPU seconds of the
client process and of each server (and Redis) show whether the load generator was the
bottleneck; ``loadavg_1m`` whether something else was running.

After the ``memory`` run of each size, two figures from this process explain where
the time goes: ``figure: service`` times the room services against PostgreSQL with all
N connections open (socketless rows are added for members the ramp-up missed):
``open_connection`` and ``room_snapshot`` (a join), ``set_current_item`` (a round;
it holds the room lock); ``figure: per_client_costs`` the per-socket CPU of one event
(the in-memory layer's deep copy, the consumer's JSON encoding, permessage-deflate)
times N. Goal: 1,000 clients, p99 under 250 ms, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _fanout_setup as setup  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
GOAL_CLIENTS = 1000
GOAL_P99_MS = 250.0
MODES = ("memory", "baseline", "baseline_small", "redis")
SECRET_KEY = secrets.token_urlsafe(50)


def emit(line: dict[str, Any]) -> None:
    print(json.dumps({"bench": "fanout"} | line, ensure_ascii=False), flush=True)


def log(text: str) -> None:
    print(f"[fanout] {text}", file=sys.stderr, flush=True)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from ``/proc/<pid>/stat``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    return int(entry.name)
            except OSError:
                continue
    return None


class Servers:
    """The server subprocesses of one run; killed (not drained) when the run ends."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.extra_pids: list[int] = []

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log_path = self.var_dir / f"{name}.log"
        with log_path.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        self.logs.append(log_path)

    def uvicorn(
        self,
        port: int,
        *,
        node: str,
        redis: bool,
        conn_max_age: int = 0,
        deflate: bool = True,
    ) -> None:
        env = dict(os.environ)
        database_url = setup.DATABASE_URL
        if conn_max_age:
            # persistent database connections (django-environ reads the option)
            database_url += f"?conn_max_age={conn_max_age}&conn_health_checks=true"
        env.update(
            DATABASE_URL=database_url,
            PRACHUM_VAR_DIR=str(self.var_dir),
            SECRET_KEY=SECRET_KEY,
            DJANGO_SETTINGS_MODULE="config.settings",
            SERVER_NODE=node,
            LOG_LEVEL="WARNING",
            DEBUG="false",
        )
        env.pop("REDIS_URL", None)
        if redis:
            env["REDIS_URL"] = REDIS_URL
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--ws",
            "websockets",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
            "--ws-per-message-deflate",
            "true" if deflate else "false",
        ]
        self._spawn(node, cmd, env)

    def baseline(self, port: int) -> None:
        cmd = [sys.executable, str(ROOT / "bench" / "_baseline_ws.py"), str(port)]
        self._spawn("baseline", cmd, dict(os.environ))

    def wait_ready(self, ports: list[int], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for port in ports:
            while True:
                for proc, path in zip(self.procs, self.logs, strict=True):
                    if proc.poll() is not None:
                        tail = path.read_text(errors="replace")[-400:]
                        raise RuntimeError(f"server exited {proc.returncode}: {tail}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError as exc:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"port {port} not ready") from exc
                    time.sleep(0.1)

    def cpu(self) -> list[float]:
        return [proc_cpu(p.pid) for p in self.procs] + [
            proc_cpu(pid) for pid in self.extra_pids
        ]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"server {proc.pid} did not die")
        self.procs = [p for p in self.procs if p.poll() is None]

    def log_tail(self, chars: int = 400) -> str:
        """The end of each server's output when it logged an error (else nothing)."""
        tails = []
        for path in self.logs:
            text = path.read_text(errors="replace") if path.exists() else ""
            if "Error" in text or "Traceback" in text:
                tails.append(f"{path.stem}: {text.strip()[-chars:]}")
        return " | ".join(tails)


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()


def _run_async(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def one_run(
    mode: str,
    room: setup.Room,
    plan: setup.Plan,
    args: argparse.Namespace,
    var_dir: Path,
    remaining: float,
    sample: str,
) -> dict[str, Any]:
    """Start the servers of ``mode``, run the clients against them, kill them."""
    from _fanout_clients import Scenario, run

    servers = Servers(var_dir)
    server_opts: dict[str, Any] = {
        "conn_max_age": args.conn_max_age,
        "deflate": args.server_deflate == "on",
    }
    n = room.size
    try:
        if mode.startswith("baseline"):
            ports = [free_port()]
            servers.baseline(ports[0])
        elif mode == "memory":
            ports = [free_port()]
            servers.uvicorn(ports[0], node="bench-1", redis=False, **server_opts)
        else:
            _flush_redis()
            ports = [free_port(), free_port()]
            servers.uvicorn(ports[0], node="bench-1", redis=True, **server_opts)
            servers.uvicorn(ports[1], node="bench-2", redis=True, **server_opts)
            pid = redis_pid()
            if pid is not None:
                servers.extra_pids.append(pid)
        servers.wait_ready(ports)
        path = (
            "/" if mode.startswith("baseline") else f"/ws/meetings/{room.meeting_id}/"
        )
        urls = [f"ws://127.0.0.1:{port}{path}" for port in ports]
        if mode.startswith("baseline"):
            cookies: list[str | None] = [None] * n
            chair_cookie = None

            def command(r: int) -> str:
                return sample.replace('"version":0,', f'"version":{r + 1},', 1)

        else:
            cookies = list(plan.member_sessions[:n])
            chair_cookie = plan.chair_session
            first = setup.current_item(room)
            order = [i for i in room.items if i != first] + [first]

            def command(r: int) -> str:
                item = order[r % 2]
                return json.dumps({"type": "item.set", "item": item, "ref": f"r{r}"})

        # What is left of the run's share goes to the ramp-up, then the rounds.
        connect_budget = max(10.0, min(args.connect_seconds, remaining - 60))
        rounds_budget = max(
            10.0, min(args.rounds_seconds, remaining - connect_budget - 30)
        )
        scenario = Scenario(
            chair_url=urls[0],
            member_urls=[urls[i % len(urls)] for i in range(n)],
            chair_cookie=chair_cookie,
            member_cookies=cookies,
            origin=f"http://127.0.0.1:{ports[0]}",
            command=command,
            rounds=args.rounds,
            rounds_budget=rounds_budget,
            acked=not mode.startswith("baseline"),
            round_timeout=args.round_timeout,
            pause=args.pause,
            concurrency=args.concurrency,
            connect_budget=connect_budget,
            settle_quiet=0.5,
            settle_budget=30.0,
            compression=None if args.compression == "none" else "deflate",
        )
        result: dict[str, Any] = _run_async(run(scenario, servers.cpu, servers.stop))
        tail = servers.log_tail()
        if tail:
            result["server_log"] = tail
        return result
    finally:
        servers.stop()
        if mode == "redis":
            with contextlib.suppress(Exception):
                _flush_redis()  # leave the bench's Redis database empty


def _measure(
    mode: str,
    room: setup.Room,
    plan: setup.Plan,
    args: argparse.Namespace,
    var_dir: Path,
    remaining: float,
    sample: str,
) -> dict[str, Any]:
    try:
        return one_run(mode, room, plan, args, var_dir, remaining, sample)
    except Exception as exc:  # one size failing must not stop the rest
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def _report(
    mode: str, n: int, figures: dict[str, Any], sample: str, load: float
) -> None:
    head = {"mode": mode, "clients": n, "loadavg_1m": round(load, 1)}
    log_tail = {"server_log": figures["server_log"]} if "server_log" in figures else {}
    if "connect" in figures:
        emit({"figure": "connect"} | head | figures["connect"])
    fanout = figures.get("fanout")
    if not fanout:
        emit(
            {"figure": "fanout"}
            | head
            | {"error": figures.get("error", "no rounds ran")}
            | log_tail
        )
        return
    line = {"figure": "fanout"} | head
    connected = figures.get("connect", {}).get("connected", n)
    if connected < n:
        line["error"] = f"measured over the {connected} of {n} members who connected"
    line |= {"connected": connected} | fanout
    if mode.startswith("baseline"):
        line["payload_bytes"] = len(sample.encode())
    p99 = fanout.get("p99_ms")
    line |= {
        "goal_p99_ms": GOAL_P99_MS,
        "meets_goal": p99 is not None
        and p99 < GOAL_P99_MS
        and fanout["lost"] == 0
        and connected == n,
    }
    if n != GOAL_CLIENTS:
        line["goal_applies_to"] = GOAL_CLIENTS
    emit(line | log_tail)


def _ratios(n: int, results: dict[str, dict[str, Any]]) -> None:
    """Ours over the same-payload baseline, when both were measured in full."""
    base = results.get("baseline", {}).get("fanout")
    small = results.get("baseline_small", {}).get("fanout") or {}
    for mode in ("memory", "redis"):
        ours = results.get(mode, {}).get("fanout")
        if not (ours and base and "p50_ms" in ours and "p50_ms" in base):
            continue
        line: dict[str, Any] = {"figure": "ratio", "mode": mode, "clients": n}
        connected = results[mode]["connect"]["connected"]
        if connected < n or ours["censored_rounds"] or base["censored_rounds"]:
            line["error"] = (
                f"not comparable: {connected} of {n} connected, "
                f"{ours['censored_rounds']} censored rounds (p50/p99 are lower bounds)"
            )
        line |= {
            "p50_ratio": round(ours["p50_ms"] / base["p50_ms"], 1),
            "p99_ratio": round(ours["p99_ms"] / base["p99_ms"], 1),
            "ours_p50_ms": ours["p50_ms"],
            "ours_p99_ms": ours["p99_ms"],
            "baseline_p50_ms": base["p50_ms"],
            "baseline_p99_ms": base["p99_ms"],
        }
        if "p99_ms" in small:
            line["baseline_small_p99_ms"] = small["p99_ms"]
        emit(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,500,1000,2000")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--round-timeout", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=1500.0)
    parser.add_argument(
        "--connect-seconds",
        type=float,
        default=120.0,
        help="ramp-up budget per run; whoever has not connected by then is refused",
    )
    parser.add_argument(
        "--rounds-seconds",
        type=float,
        default=60.0,
        help="no new round starts after this long",
    )
    parser.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="what the clients offer (browsers offer permessage-deflate)",
    )
    parser.add_argument(
        "--server-deflate",
        choices=["on", "off"],
        default="on",
        help="uvicorn's --ws-per-message-deflate (on: uvicorn's default)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="seconds the servers keep a database connection (0: as settings, "
        "a new connection per database call)",
    )
    parser.add_argument(
        "--no-service-timing",
        action="store_true",
        help="skip the in-process timings of the room services (figure: service)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    modes = [m for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown or not sizes or min(sizes) < 1 or not 1 <= args.rounds <= 1000:
        parser.error(f"bad --modes/--sizes/--rounds: {sorted(unknown)}")
    deadline = time.monotonic() + args.max_seconds

    fd_limit = raise_fd_limit()
    var_dir = Path(tempfile.mkdtemp(prefix="prachum-fanout-"))
    os.environ.update(
        DATABASE_URL=setup.DATABASE_URL,
        PRACHUM_VAR_DIR=str(var_dir),
        SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)  # this process publishes nowhere that matters
    try:
        start = time.perf_counter()
        setup.create_database()
        plan = setup.seed(sizes)
        emit(
            {
                "figure": "setup",
                "seconds": round(time.perf_counter() - start, 1),
                "sizes": sizes,
                "modes": modes,
                "fd_limit": fd_limit,
                "cpus": os.cpu_count(),
                "loadavg_1m": round(os.getloadavg()[0], 1),
                "db_roundtrip_ms": setup.db_roundtrip_ms(),
                "compression": args.compression,
                "server_deflate": args.server_deflate,
                "conn_max_age": args.conn_max_age,
                "concurrency": args.concurrency,
                "redis_url": REDIS_URL if "redis" in modes else None,
            }
        )
        for n in sizes:
            room = plan.rooms[n]
            sample = setup.sample_event(room)
            small = setup.without_participants(sample)
            results: dict[str, dict[str, Any]] = {}
            for mode in modes:
                remaining = deadline - time.monotonic()
                if remaining < 30 + n / 20:
                    emit(
                        {"figure": "fanout", "mode": mode, "clients": n}
                        | {"error": "skipped: --max-seconds reached"}
                    )
                    continue
                log(f"{mode} {n}: starting ({remaining:.0f} s left)")
                load, since = os.getloadavg()[0], setup.now()
                payload = small if mode == "baseline_small" else sample
                figures = _measure(mode, room, plan, args, var_dir, remaining, payload)
                results[mode] = figures
                if not mode.startswith("baseline") and "connect" in figures:
                    # joins the server carried out, including those for handshakes
                    # that had already timed out (wasted work)
                    figures["connect"]["server_joins"] = setup.connections_since(
                        room, since
                    )
                _report(mode, n, figures, payload, load)
                if mode == "memory" and not args.no_service_timing:
                    _service(room, n, deadline)
                    _costs(n, sample)
                if not mode.startswith("baseline"):
                    setup.reset(room)
            _ratios(n, results)
    finally:
        try:
            setup.drop_database()
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)


def _service(room: setup.Room, n: int, deadline: float) -> None:
    """``figure: service``: the room services in this process, N connections open."""
    if deadline - time.monotonic() < 60 + n / 10:
        return
    start = time.perf_counter()
    try:
        timings = setup.service_timings(room, repeat=3 if n <= 500 else 1)
    except Exception as exc:  # an extra figure, never fatal
        timings = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        setup.reset(room)
    emit(
        {"figure": "service", "clients": n}
        | timings
        | {"seconds": round(time.perf_counter() - start, 1)}
    )


def _costs(n: int, sample: str) -> None:
    """``figure: per_client_costs``: the per-socket CPU of one event, in this process."""
    emit(
        {"figure": "per_client_costs", "clients": n} | setup.per_client_costs(sample, n)
    )


if __name__ == "__main__":
    main()
