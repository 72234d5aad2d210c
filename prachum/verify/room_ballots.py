"""Recount of how the ballots of each poll came in (R26, R27): by own device, show of
hands, the room ballot terminal or paper, from the raw events.

The close event (``poll.closed``) says who voted by which channel; the events of the
room's channels (``poll.hand_recorded``, ``poll.terminal_ballot_cast``,
``poll.paper_batch_recorded``) say it again, one by one. They must agree with each
other, with ``channels.json`` and ``paper_batches.json``, and with the ballots per
channel the result claims (in the event and in ``poll.json``). Offline: no Django.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from prachum.verify.report import Finding, Report

CHANNELS = ("device", "hands", "terminal", "paper")
HAND = "poll.hand_recorded"
TERMINAL = "poll.terminal_ballot_cast"
PAPER = "poll.paper_batch_recorded"


class RoomEvents:
    """The room channels' events of every poll, gathered in one pass."""

    def __init__(self) -> None:
        self.hands: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.terminal: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.paper: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def take(self, body: dict[str, Any]) -> None:
        kind = body["kind"]
        target = {HAND: self.hands, TERMINAL: self.terminal, PAPER: self.paper}.get(
            kind
        )
        if target is not None:
            target[body["payload"]["poll"]].append(body)


def _mismatch(report: Report, file: str, seq: int, detail: str) -> None:
    report.add(Finding("RECOMPUTED_MISMATCH", file, event=seq, detail=detail))


def _stored(files: dict[str, bytes], name: str) -> Any:
    try:
        return json.loads(files[name]) if name in files else None
    except ValueError:
        return None


def check_poll(
    body: dict[str, Any],
    poll: dict[str, Any],
    room: RoomEvents,
    files: dict[str, bytes],
    report: Report,
) -> None:
    """One closed poll's channels; a poll closed before channels existed (no
    ``voters_by_channel`` in its event, no room events) is left as it was."""
    payload = body["payload"]
    poll_id = payload["poll"]
    base = f"votes/{poll_id}"
    seq = body["seq"]
    by_channel = payload.get("voters_by_channel")
    hands = room.hands.get(poll_id, [])
    terminal = room.terminal.get(poll_id, [])
    paper = room.paper.get(poll_id, [])
    if by_channel is None:
        if hands or terminal or paper:
            _mismatch(report, "events.jsonl", seq, "room ballots without channels")
        return
    voters = payload.get("voters", [])
    listed = [v for c in CHANNELS for v in by_channel.get(c, [])]
    if sorted(listed) != sorted(voters) or set(by_channel) - set(CHANNELS):
        _mismatch(report, "events.jsonl", seq, "voters by channel are not the voters")
    recounted = {
        "hands": sorted(b["payload"]["voter"] for b in hands),
        "terminal": sorted(b["payload"]["voter"] for b in terminal),
        "paper": sorted(v for b in paper for v in b["payload"]["voters"]),
    }
    for channel, expected in recounted.items():
        if sorted(by_channel.get(channel, [])) != expected:
            _mismatch(report, "events.jsonl", seq, f"{channel} voters")
    for batch in paper:
        p = batch["payload"]
        tellers = p.get("tellers", [])
        if len(tellers) != 2 or tellers[0] == tellers[1]:
            _mismatch(report, "events.jsonl", batch["seq"], "tellers")
        if p["ballots"] != len(p["voters"]):
            _mismatch(report, "events.jsonl", batch["seq"], "paper ballots ≠ voters")
    if (hands and payload["is_secret"]) or (
        (terminal or paper) and not payload["is_secret"]
    ):
        _mismatch(report, "events.jsonl", seq, "channel not allowed for this vote")
    counts = {c: len(by_channel.get(c, [])) for c in CHANNELS}
    final = payload.get("result") or {}
    if final.get("channels") != counts:
        _mismatch(report, "events.jsonl", seq, f"channels: {counts!r}")
    if (poll.get("result") or {}).get("channels") != counts:
        _mismatch(report, f"{base}/poll.json", seq, f"channels: {counts!r}")
    if _stored(files, f"{base}/channels.json") != {
        c: sorted(by_channel.get(c, [])) for c in CHANNELS
    }:
        _mismatch(report, f"{base}/channels.json", seq, "voters by channel")
    if payload["is_secret"]:
        expected_batches = [
            {
                "id": b["payload"]["batch"],
                "ballots": b["payload"]["ballots"],
                "tellers": b["payload"]["tellers"],
                "voters": b["payload"]["voters"],
                "recorded_by": b["payload"]["recorded_by"],
            }
            for b in paper
        ]
        stored = _stored(files, f"{base}/paper_batches.json") or []
        plain = [
            {
                k: row.get(k)
                for k in ("id", "ballots", "tellers", "voters", "recorded_by")
            }
            for row in stored
            if isinstance(row, dict)
        ]
        if plain != expected_batches or len(plain) != len(stored):
            _mismatch(report, f"{base}/paper_batches.json", seq, "paper batches")
    else:
        recorded = {b["payload"]["voter"]: b["payload"] for b in hands}
        for ballot in payload.get("ballots", []):
            hand = recorded.get(ballot["voter"])
            if (ballot.get("channel") == "hands") != (hand is not None) or (
                hand is not None
                and (hand["choice"], hand["recorded_by"])
                != (ballot["choice"], ballot.get("recorded_by"))
            ):
                _mismatch(report, "events.jsonl", seq, f"hand vote {ballot['voter']}")
