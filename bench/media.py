"""Janus VideoRoom under synthetic audio publishers, one JSON line per figure.

Run: ``.venv/bin/python bench/media.py`` or ``make bench-media`` (options: ``--n
10,25,50``, ``--seconds 8`` per window, ``--pairs 2``, ``--warmup 3``, ``--per-worker
25``, ``--max-seconds 900``; see ``--help``). Needs root, iproute2 and Janus:
everything runs in a private network namespace that the run creates and deletes
(``tests/netns.py``: veth 10.77.0.1/10.77.0.2; nothing touches the machine's own
interfaces). Never part of the test suite; figures are reported, not asserted.

Per N: one room, N aiortc publishers (``tests/media/bots.py``, a 400 Hz tone as Opus
packets encoded once and looped, so the bots cost little; ``--encode`` makes each bot
encode every frame as a browser does) in worker processes of at most ``--per-worker`` bots each, one aiortc subscriber
receiving all N feeds in this process. After ``--warmup`` seconds, measurement windows
alternate recording off, on, off, on... (``--pairs`` pairs, switched with the
room's ``enable_recording``) on the same bots, so that the comparison is not skewed by
a different set of connections or by drifting load. Per mode, summed over its windows:

* ``figure: run``: Janus's own CPU (``/proc/<pid>/stat`` utime+stime; % of one core)
  in total and per publisher, the bots' CPU apart from it, audio frames decoded per
  second at the subscriber (expected: 50 × N), RTP packet loss at the subscriber,
  Janus's own counters (admin ``handle_info``: packets in from the publishers and
  lost on the way in, packets out to the subscriber — where a loss happened), the
  publishers' Opus payload bitrate and, recording on, the bytes the ``.mjr`` files
  grew per second and per publisher against it. After the bots stop, every ``.mjr``
  is read: ``recorded_packets`` and ``recorded_packets_missing`` (holes in the RTP
  sequence numbers inside the recordings).
* ``figure: recording_overhead``: Janus CPU with recording on minus off, in points
  of one core and relative to off. Goals: at most 5 % more CPU, no packet lost.

The load generator is the bottleneck on small machines (aiortc costs ~2.5 % of a core
per publisher): read ``bots_cpu_pct`` and ``loadavg_1m`` beside Janus's figures.
The harness is imported from ``tests/`` (the repository root is put on ``sys.path``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.media.bots import (  # noqa: E402
    Access,
    AudioPublisher,
    AudioSubscriber,
    BotLoop,
    OpusToneTrack,
    ToneTrack,
    pin_host_address,
)
from tests.media.netns_fixtures import (  # noqa: E402
    NetnsJanus,
    open_room,
    process_cpu_seconds,
    start_janus,
)
from tests.media.recorded_audio import mjr_packets  # noqa: E402
from tests.netns import NetNamespace, unavailable_reason  # noqa: E402

OPUS_NOMINAL_BPS = 96000  # aiortc's Opus encoder setting
GOAL_EXTRA_CPU_PCT = 5.0


def emit(line: dict[str, Any]) -> None:
    print(json.dumps({"bench": "media"} | line, ensure_ascii=False), flush=True)


def log(text: str) -> None:
    print(f"[media] {text}", file=sys.stderr, flush=True)


# -- worker process: a batch of publishers ----------------------------------------------


async def worker_main(spec: dict[str, Any]) -> None:
    """Inside the namespace already (started with ``ip netns exec``)."""
    pin_host_address(spec["address"])
    access = Access(**spec["access"])
    publishers = [
        AudioPublisher(
            access,
            f"{spec['prefix']}{i}",
            ToneTrack() if spec["encode"] else OpusToneTrack(),
        )
        for i in range(spec["count"])
    ]
    for start in range(0, len(publishers), 5):  # a few handshakes at a time
        await asyncio.wait_for(
            asyncio.gather(*(p.start() for p in publishers[start : start + 5])), 60
        )
    reply = {
        "ready": [p.id for p in publishers],
        "ice_s": [round(p.ice_seconds, 4) for p in publishers],
    }
    print(json.dumps(reply), flush=True)
    loop = asyncio.get_running_loop()
    for _ in range(100_000):  # the parent sends a few commands, then "stop"
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "stats":
            sent = await asyncio.gather(*(p.rtp_sent() for p in publishers))
            by_id = {str(p.id): s for p, s in zip(publishers, sent, strict=True)}
            print(json.dumps({"sent": by_id}), flush=True)
        else:  # "stop" or end of input
            break
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            asyncio.gather(*(p.stop() for p in publishers), return_exceptions=True), 30
        )
    print(json.dumps({"stopped": True}), flush=True)


class Worker:
    def __init__(self, ns: NetNamespace, spec: dict[str, Any]) -> None:
        self.process = ns.popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                json.dumps(spec),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if not line:
                    break
                with contextlib.suppress(ValueError):
                    answer: dict[str, Any] = json.loads(line)
                    return answer
            elif self.process.poll() is not None:
                break
        raise RuntimeError(f"bot worker gave no answer in {timeout} s")

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def sent(self) -> dict[str, list[int]]:
        self.send("stats")
        sent: dict[str, list[int]] = self.read(30)["sent"]
        return sent

    def cpu(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("stop")
            self.read(40)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# -- one run -------------------------------------------------------------------------


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*") if p.is_file())


def recorded_packets(folder: Path) -> tuple[int, int]:
    """RTP packets in the folder's ``.mjr`` files, and the holes in their sequences."""
    packets = missing = 0
    for mjr in sorted(folder.glob("*.mjr*")):
        counted = mjr_packets(mjr)
        packets += counted.packets
        missing += counted.missing
    return packets, missing


def janus_counters(janus: NetnsJanus, room: int) -> dict[str, int]:
    """Janus's own RTP counters over the room's handles (admin ``handle_info``).

    ``in_*``: what Janus received from the publishers (``lost`` from RTP sequence
    gaps); ``out_packets``: what it sent (to the subscriber).
    """

    def walk() -> dict[str, int]:
        totals = {"in_packets": 0, "in_lost": 0, "out_packets": 0}
        for _session, _handle, info in janus.server().iter_handles():
            if (info.get("plugin_specific") or {}).get("room") != room:
                continue
            for medium in ((info.get("webrtc") or {}).get("media") or {}).values():
                stats = medium.get("stats") or {}
                totals["in_packets"] += int((stats.get("in") or {}).get("packets", 0))
                totals["out_packets"] += int((stats.get("out") or {}).get("packets", 0))
                rtcp = (medium.get("rtcp") or {}).get("main") or {}
                totals["in_lost"] += int(rtcp.get("lost", 0))
        return totals

    return janus.ns.run_in(walk)


class Run:
    """N publishers and one subscriber in one room, measured in windows."""

    def __init__(
        self, ns: NetNamespace, janus: NetnsJanus, bots: BotLoop, n: int, args: Any
    ) -> None:
        self.ns, self.janus, self.bots, self.n = ns, janus, bots, n
        self.rec_dir = Path(janus.config.recordings_dir) / f"n{n}"
        self.access = open_room(janus, self.rec_dir, publishers=n + 2, record=False)
        self.subscriber = AudioSubscriber(self.access)
        self.workers: list[Worker] = []
        self.ice: list[float] = []
        began = time.monotonic()
        for index, start in enumerate(range(0, n, args.per_worker)):
            spec = {
                "address": ns.peer_address,
                "access": self.access.__dict__,
                "count": min(args.per_worker, n - start),
                "prefix": f"w{index}-",
                "encode": args.encode,
            }
            self.workers.append(Worker(ns, spec))
        feeds: list[int] = []
        for worker in self.workers:
            reply = worker.read(120)
            feeds += reply["ready"]
            self.ice += reply["ice_s"]
        bots.call(self.subscriber.start(feeds), timeout=60)
        self.join_seconds = time.monotonic() - began

    def snapshot(self) -> dict[str, float]:
        received, lost = self.bots.call(self.subscriber.rtp_stats())
        sent = [s for w in self.workers for s in w.sent().values()]
        bots_cpu = sum(w.cpu() for w in self.workers)
        return {
            "t": time.monotonic(),
            "janus": self.janus.cpu_seconds(),
            "bots": bots_cpu + process_cpu_seconds(os.getpid()),
            "frames": self.subscriber.frames,
            "received": received,
            "lost": lost,
            "bytes_sent": sum(s[1] for s in sent),
            "recorded": folder_bytes(self.rec_dir) if self.rec_dir.exists() else 0,
            **janus_counters(self.janus, self.access.room),
        }

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.bots.call(self.subscriber.stop(), timeout=20)
        for worker in self.workers:
            worker.close()
        with contextlib.suppress(Exception):
            self.janus.media.destroy_room(room=self.access.room)


def figures(
    n: int, record: bool, deltas: dict[str, float], *, encode: bool
) -> dict[str, Any]:
    wall = deltas["t"]
    janus_pct = 100 * deltas["janus"] / wall
    received, lost = deltas["received"], deltas["lost"]
    opus_bps = 8 * deltas["bytes_sent"] / wall / n
    line: dict[str, Any] = {
        "figure": "run",
        "n": n,
        "recording": record,
        "seconds": round(wall, 2),
        "janus_cpu_pct": round(janus_pct, 2),
        "janus_cpu_pct_per_publisher": round(janus_pct / n, 3),
        "bots_cpu_pct": round(100 * deltas["bots"] / wall, 1),
        "frames_per_s": round(deltas["frames"] / wall, 1),
        "frames_per_s_expected": 50 * n,
        "packets_received": int(received),
        "packets_lost": int(lost),
        "packet_loss_pct": round(100 * lost / max(1, received + lost), 3),
        "janus_in_packets": int(deltas["in_packets"]),
        "janus_in_lost": int(deltas["in_lost"]),
        "janus_out_packets": int(deltas["out_packets"]),
        "opus_payload_bps_per_publisher": round(opus_bps),
        "opus_nominal_bps": OPUS_NOMINAL_BPS,
        "publishers_encode": encode,
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    if record:
        recorded_bps = 8 * deltas["recorded"] / wall / n
        line["recorded_bps_per_publisher"] = round(recorded_bps)
        line["recorded_to_opus_ratio"] = round(recorded_bps / max(1.0, opus_bps), 3)
    return line


def measure(
    ns: NetNamespace, janus: NetnsJanus, bots: BotLoop, *, n: int, args: Any
) -> list[dict[str, Any]]:
    """Windows alternate off, on, off, on... on the same bots (drift cancels out)."""
    run = Run(ns, janus, bots, n, args)
    totals: dict[bool, dict[str, float]] = {False: {}, True: {}}
    try:
        status_ok = 0
        time.sleep(args.warmup)
        for _ in range(args.pairs):
            for record in (False, True):
                janus.media.set_recording(room=run.access.room, record=record)
                if record:
                    status = janus.media.recording_status(room=run.access.room)
                    status_ok = sum(1 for f in status.values() if f)
                time.sleep(1.0)  # let the switch settle
                first = run.snapshot()
                time.sleep(args.seconds)
                last = run.snapshot()
                for key, value in last.items():
                    totals[record][key] = (
                        totals[record].get(key, 0) + value - first[key]
                    )
    finally:
        run.close()
    time.sleep(1)  # recorders close and rename .mjr.tmp to .mjr
    lines = []
    for record in (False, True):
        line = figures(n, record, totals[record], encode=args.encode)
        line["join_s"] = round(run.join_seconds, 2)
        line["ice_connect_s_median"] = sorted(run.ice)[len(run.ice) // 2]
        if record:
            packets, missing = recorded_packets(run.rec_dir)
            line["publishers_recording"] = status_ok
            line["recorded_packets"] = packets
            line["recorded_packets_missing"] = missing
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", default="10,25,50", help="publishers per run")
    parser.add_argument("--seconds", type=float, default=8.0, help="one window")
    parser.add_argument(
        "--pairs", type=int, default=2, help="off/on window pairs per N (1..10)"
    )
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--per-worker", type=int, default=25)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument(
        "--encode",
        action="store_true",
        help="publishers encode every frame (default: loop pre-encoded Opus packets)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker_main(json.loads(args.worker)))
        return
    sizes = [int(s) for s in args.n.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or max(sizes) > 200 or args.per_worker < 1:
        parser.error("--n must list 1..200 publishers; --per-worker >= 1")
    if not 1 <= args.seconds <= 600 or not 1 <= args.pairs <= 10:
        parser.error("--seconds must be 1..600, --pairs 1..10")
    reason = unavailable_reason() or (
        None
        if shutil.which("janus")
        else "Janus is not installed (apt-get install janus)"
    )
    if reason:
        emit({"figure": "error", "error": reason})
        sys.exit(1)
    deadline = time.monotonic() + args.max_seconds
    folder = Path(tempfile.mkdtemp(prefix="prachum-bench-media-"))
    try:
        with NetNamespace() as ns:
            janus = start_janus(ns, folder, debug_level=3)
            emit({"figure": "setup", "janus_start_s": round(janus.start_seconds, 3)})
            try:
                with BotLoop(ns) as bots:
                    for n in sizes:
                        if time.monotonic() > deadline:
                            emit({"figure": "run", "n": n, "error": "--max-seconds"})
                            continue
                        log(f"n={n}")
                        try:
                            lines = measure(ns, janus, bots, n=n, args=args)
                        except Exception as exc:  # report and go on
                            emit({"figure": "run", "n": n, "error": repr(exc)})
                            continue
                        for line in lines:
                            emit(line)
                        off, on = (line["janus_cpu_pct"] for line in lines)
                        extra = on - off
                        emit(
                            {
                                "figure": "recording_overhead",
                                "n": n,
                                "janus_cpu_pct_off": off,
                                "janus_cpu_pct_on": on,
                                "extra_cpu_pct_points": round(extra, 2),
                                "extra_cpu_relative_pct": (
                                    round(100 * extra / off, 1) if off else None
                                ),
                                "goal_relative_pct": GOAL_EXTRA_CPU_PCT,
                                "recorded_packets_missing": lines[1][
                                    "recorded_packets_missing"
                                ],
                            }
                        )
            finally:
                janus.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
