"""The load generator of ``bench/fanout.py``: many WebSocket clients in one event loop.

Frames are recognised by their first bytes (the consumer writes ``type``, ``kind`` and
``version`` first, without spaces), so a 300 kB event costs the client no JSON parse.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus

EVENT = re.compile(r'\{"type":"event","kind":"([A-Za-z0-9_.]+)","version":(\d+)')
SNAPSHOT = re.compile(r'\{"type":"snapshot","snapshot":\{"version":(\d+)')
REPLY = re.compile(r'\{"type":"(ack|error)"')
ITEM_STARTED = "agenda.item_started"
HEAD = 160
RETRIES = 3  # a page reconnects after a failed handshake; so does the bench, 3 times
ROUND_DRAIN = 60.0  # at most this long for the chair's answer and for silence


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(eq=False)
class Peer:
    url: str
    cookie: str | None
    member: bool
    ws: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None
    snap_version: int = -1
    snap_bytes: int = 0
    # ``agenda.item_started`` version -> when it arrived (perf_counter)
    started: dict[int, float] = field(default_factory=dict)
    events_after_snapshot: int = 0
    closed: str | None = None


@dataclass
class Hub:
    """What all readers share: frame counters and the current round's target."""

    frames: int = 0
    last_frame_at: float = 0.0
    event_bytes: int = 0
    max_version: int = 0
    replies: dict[str, tuple[str, float, str]] = field(default_factory=dict)
    counts: Counter[int] = field(default_factory=Counter)
    after_version: int = 0
    target: int = 0
    retries: int = 0
    retried_why: Counter[str] = field(default_factory=Counter)
    round_done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Scenario:
    """One measured run: who connects where, and what the chair sends each round."""

    chair_url: str
    member_urls: list[str]
    chair_cookie: str | None
    member_cookies: list[str | None]
    origin: str
    # round number -> text the chair sends
    command: Callable[[int], str]
    rounds: int
    rounds_budget: float
    acked: bool
    round_timeout: float
    pause: float
    concurrency: int
    connect_budget: float
    settle_quiet: float
    settle_budget: float
    compression: str | None


def _head(message: str | bytes) -> str:
    if isinstance(message, bytes):
        return message[:HEAD].decode("utf-8", "replace")
    return message[:HEAD]


async def _read(peer: Peer, hub: Hub) -> None:
    assert peer.ws is not None
    try:
        async for message in peer.ws:
            now = time.perf_counter()
            hub.frames += 1
            hub.last_frame_at = now
            head = _head(message)
            match = EVENT.match(head)
            if match is None:
                reply = REPLY.match(head)
                if reply is not None:
                    frame = json.loads(message)
                    hub.replies[str(frame.get("ref"))] = (
                        reply.group(1),
                        now,
                        str(frame.get("code", "")),
                    )
                continue
            version = int(match.group(2))
            hub.max_version = max(hub.max_version, version)
            if version > peer.snap_version:
                peer.events_after_snapshot += 1
            if match.group(1) != ITEM_STARTED:
                continue
            peer.started[version] = now
            if peer.member and version > hub.after_version:
                hub.event_bytes = len(message)
                hub.counts[version] += 1
                if hub.counts[version] >= hub.target:
                    hub.round_done.set()
    except ConnectionClosed as exc:
        peer.closed = f"closed {exc.rcvd.code if exc.rcvd else 'abruptly'}"
    except Exception as exc:  # recorded, never raised in a reader
        peer.closed = type(exc).__name__


async def _open(
    peer: Peer, hub: Hub, scenario: Scenario, gate: asyncio.Semaphore
) -> str | None:
    """Connect and wait for the snapshot, retrying like a page would (a bounded number
    of times, one second apart); returns why it failed, or ``None``."""
    why: str | None = None
    for attempt in range(1 + RETRIES):
        if attempt:
            hub.retries += 1
            hub.retried_why[why or "?"] += 1
            await asyncio.sleep(1.0)
        async with gate:
            why = await _open_once(peer, hub, scenario)
        if why is None:
            return None
    return why


async def _open_once(peer: Peer, hub: Hub, scenario: Scenario) -> str | None:
    headers = {"User-Agent": "Mozilla/5.0 (Prachum fan-out bench)"}
    if peer.cookie:
        headers["Cookie"] = f"sessionid={peer.cookie}"
    try:
        ws = await connect(
            peer.url,
            origin=scenario.origin,  # type: ignore[arg-type]
            additional_headers=headers,
            compression=scenario.compression,
            max_size=None,
            max_queue=64,
            ping_interval=None,  # browsers never ping
            open_timeout=60,
            close_timeout=1,
        )
    except InvalidStatus as exc:
        return f"http {exc.response.status_code}"
    except (OSError, TimeoutError, InvalidMessage) as exc:
        return type(exc).__name__
    try:
        first = await asyncio.wait_for(ws.recv(), 60)
    except (ConnectionClosed, TimeoutError) as exc:
        ws.transport.abort()
        return type(exc).__name__
    match = SNAPSHOT.match(_head(first))
    if match is None:
        ws.transport.abort()
        try:
            return str(json.loads(first).get("code", "no snapshot"))
        except ValueError:
            return "no snapshot"
    peer.ws = ws
    peer.snap_version = int(match.group(1))
    peer.snap_bytes = len(first)
    peer.reader = asyncio.create_task(_read(peer, hub))
    return None


async def _settle(hub: Hub, quiet: float, budget: float) -> float:
    """Wait until no frame arrived for ``quiet`` seconds (at most ``budget``)."""
    start = time.perf_counter()
    hub.last_frame_at = max(hub.last_frame_at, start)
    while time.perf_counter() - start < budget:
        if time.perf_counter() - hub.last_frame_at >= quiet:
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - start


async def _wait_for(predicate: Callable[[], bool], budget: float) -> None:
    deadline = time.perf_counter() + budget
    while not predicate() and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)


def _percentile(samples: list[float], p: float) -> float:
    """Nearest rank: with 10 samples, p99 is the largest."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _server_delta(before: list[float], after: list[float]) -> list[float]:
    return [round(b - a, 2) for a, b in zip(before, after, strict=True)]


async def _ramp_up(
    scenario: Scenario,
    hub: Hub,
    chair: Peer,
    members: list[Peer],
    server_cpu: Callable[[], list[float]],
) -> dict[str, Any]:
    """The chair, then every member, at most ``concurrency`` handshakes at a time."""
    gate = asyncio.Semaphore(scenario.concurrency)
    cpu0, server0, t0 = cpu_seconds(), server_cpu(), time.perf_counter()
    why = await asyncio.wait_for(_open(chair, hub, scenario, gate), 120)
    if why is not None:
        return {"error": f"chair could not connect: {why}"}
    tasks = [asyncio.create_task(_open(peer, hub, scenario, gate)) for peer in members]
    _done, pending = await asyncio.wait(tasks, timeout=scenario.connect_budget)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    refused: Counter[str] = Counter()
    for task in tasks:
        if task in pending:
            refused["connect_budget"] += 1
        elif task.exception() is not None:
            refused[type(task.exception()).__name__] += 1
        elif task.result() is not None:
            refused[str(task.result())] += 1
    connect_s = time.perf_counter() - t0
    settle_s = await _settle(hub, scenario.settle_quiet, scenario.settle_budget)
    connected = [p for p in members if p.reader is not None and not p.closed]
    # Presence events each socket should have had after its snapshot: the room
    # version moved once per later join, and each move was published to the room.
    expected = sum(max(0, hub.max_version - p.snap_version) for p in connected)
    got = sum(p.events_after_snapshot for p in connected)
    figures: dict[str, Any] = {
        "connect_seconds": round(connect_s, 2),
        "settle_seconds": round(settle_s, 2),
        "connected": len(connected),
        "joins_per_s": round(len(connected) / connect_s, 1),
        "refused": sum(refused.values()),
        "refused_why": dict(refused),
        "retries": hub.retries,
        "retried_why": dict(hub.retried_why),
        "closed_during_ramp": _closed(members),
        "snapshot_bytes": max((p.snap_bytes for p in members), default=0),
        "ramp_events": expected,
        "ramp_events_missed": max(0, expected - got),
        "client_cpu_s": round(cpu_seconds() - cpu0, 2),
        "server_cpu_s": _server_delta(server0, server_cpu()),
    }
    if len(connected) < len(members):
        figures["error"] = (
            f"ramp-up incomplete: {len(connected)} of {len(members)} connected"
        )
    return figures


def _closed(peers: list[Peer]) -> dict[str, int]:
    return dict(Counter(p.closed for p in peers if p.closed))


async def _rounds(
    scenario: Scenario,
    hub: Hub,
    chair: Peer,
    members: list[Peer],
    server_cpu: Callable[[], list[float]],
) -> dict[str, Any]:
    """``rounds`` changes of the room, one at a time (never overlapping)."""
    assert chair.ws is not None
    hub.target = len(members)
    hub.after_version = hub.max_version
    cpu0, server0, t0 = cpu_seconds(), server_cpu(), time.perf_counter()
    rounds: list[dict[str, Any]] = []
    for r in range(scenario.rounds):
        if time.perf_counter() - t0 > scenario.rounds_budget:
            break
        await asyncio.sleep(scenario.pause)
        hub.round_done.clear()
        ref = f"r{r}"
        text = scenario.command(r)
        start = time.perf_counter()
        await chair.ws.send(text)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.round_done.wait(), scenario.round_timeout)
        # Before the next round: our servers' answer, then silence, so that rounds do
        # not overlap and late deliveries are seen (and counted as late).
        if scenario.acked:
            await _wait_for(lambda ref=ref: ref in hub.replies, ROUND_DRAIN)
        await _settle(hub, 0.3, ROUND_DRAIN)
        fresh = {v: n for v, n in hub.counts.items() if v > hub.after_version}
        reply = hub.replies.get(ref)
        row: dict[str, Any] = {"start": start, "version": None}
        if reply is not None:
            row |= {"ack_ms": (reply[1] - start) * 1000, "reply": reply[0]}
        if fresh:
            row["version"] = max(fresh, key=lambda v: fresh[v])
            hub.after_version = max(fresh)
        rounds.append(row)
    figures = _judge(rounds, members, scenario.round_timeout)
    figures |= {
        "event_bytes": hub.event_bytes,
        "closed_during_rounds": _closed(members),
        "rounds_seconds": round(time.perf_counter() - t0, 2),
        "client_cpu_s": round(cpu_seconds() - cpu0, 2),
        "server_cpu_s": _server_delta(server0, server_cpu()),
    }
    errors = Counter(code for kind, _, code in hub.replies.values() if kind == "error")
    if errors:
        figures["chair_errors"] = dict(errors)
    return figures


async def run(
    scenario: Scenario,
    server_cpu: Callable[[], list[float]],
    stop_servers: Callable[[], None],
) -> dict[str, Any]:
    """Connect everyone, run the rounds, stop the servers, close; returns the figures."""
    hub = Hub()
    chair = Peer(scenario.chair_url, scenario.chair_cookie, member=False)
    members = [
        Peer(url, cookie, member=True)
        for url, cookie in zip(
            scenario.member_urls, scenario.member_cookies, strict=True
        )
    ]
    result: dict[str, Any] = {}
    try:
        result["connect"] = await _ramp_up(scenario, hub, chair, members, server_cpu)
        connected = [p for p in members if p.reader is not None and not p.closed]
        if chair.reader is None or not connected:
            result["error"] = result["connect"].pop("error", "nobody connected")
            return result
        result["fanout"] = await _rounds(scenario, hub, chair, connected, server_cpu)
        return result
    finally:
        stop_servers()
        everyone = [chair, *members]
        for peer in everyone:
            if peer.ws is not None:
                peer.ws.transport.abort()
        readers = [p.reader for p in everyone if p.reader is not None]
        for task in readers:
            task.cancel()
        await asyncio.wait_for(
            asyncio.gather(*readers, return_exceptions=True), timeout=30
        )


def _judge(
    rounds: list[dict[str, Any]], members: list[Peer], timeout: float
) -> dict[str, Any]:
    """Per round the time until the last member had the event; lost and late counts.

    ``lost`` = deliveries not there within ``timeout`` (``late`` of them came later,
    the rest never). A round in which someone never had the event is *censored*: it
    counts as the longest arrival seen, at least ``timeout`` (a lower bound).
    """
    last_ms: list[float] = []
    first_ms: list[float] = []
    deliveries: list[float] = []
    acks: list[float] = []
    lost = late = censored = 0
    for rnd in rounds:
        if rnd.get("ack_ms") is not None:
            acks.append(rnd["ack_ms"])
        version = rnd["version"]
        arrivals = [peer.started.get(version) for peer in members] if version else []
        times = [(at - rnd["start"]) * 1000 for at in arrivals if at is not None]
        missing = len(members) - len(times)
        late_here = sum(1 for ms in times if ms > timeout * 1000)
        lost += missing + late_here
        late += late_here
        deliveries += times
        if missing:
            censored += 1
            last_ms.append(max([timeout * 1000, *times]))
        else:
            last_ms.append(max(times))
        if times:
            first_ms.append(min(times))
    figures: dict[str, Any] = {
        "rounds": len(rounds),
        "censored_rounds": censored,
        "expected": len(rounds) * len(members),
        "lost": lost,
        "late": late,
    }
    if last_ms:
        figures |= {
            "p50_ms": round(_percentile(last_ms, 50), 1),
            "p99_ms": round(_percentile(last_ms, 99), 1),
        }
    if first_ms:
        figures["first_p50_ms"] = round(_percentile(first_ms, 50), 1)
    if deliveries:
        figures |= {
            "delivery_p50_ms": round(_percentile(deliveries, 50), 1),
            "delivery_p99_ms": round(_percentile(deliveries, 99), 1),
        }
    if acks:
        figures["ack_p50_ms"] = round(_percentile(acks, 50), 1)
    return figures
