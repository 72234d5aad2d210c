"""Match ``notices/<id>/`` to the chain: each notice is its ``notice.sent`` event.

The letter and the ``.ics`` are the bytes whose hashes the event holds; every e-mail
is one of the event's messages, byte for byte; ``notice.json`` says what the event
says (letter number, rule, sender, the messages with their stored hashes) and each
message's status is what the delivery events say.
"""

from __future__ import annotations

import json
import re
from typing import Any

from prachum.verify.report import Finding, Report

PATH = re.compile(r"notices/(?P<notice>[^/]+)/(?P<rest>.+)")
#: A message's state from the last delivery event about it.
DELIVERY = {
    "notice.delivered": "sent",
    "notice.delivery_failed": "failed",
    "notice.delivery_retried": "queued",
}


def _mismatch(report: Report, file: str, seq: int | None, detail: str) -> None:
    report.add(Finding("RECOMPUTED_MISMATCH", file, event=seq, detail=detail[:200]))


def _deliveries(events: list[dict[str, Any]]) -> dict[str, str]:
    state: dict[str, str] = {}
    for event in events:
        body = event["body"]
        kind, payload = body["kind"], body["payload"]
        if kind not in DELIVERY:
            continue
        for message_id in payload.get("message_ids", [payload.get("message_id")]):
            state[message_id] = DELIVERY[kind]
    return state


def _summary_problem(
    stored: dict[str, Any], body: dict[str, Any], delivered: dict[str, str]
) -> str | None:
    payload = body["payload"]
    for key, want in (
        ("letter_number", payload["letter_number"]),
        ("rule", payload["rule"]),
        ("sent_by", body["actor"].removeprefix("user:")),
    ):
        if stored.get(key) != want:
            return key
    sent = {m["message_id"]: m for m in payload["messages"]}
    rows = stored.get("messages", [])
    if sorted(r.get("message_id") for r in rows) != sorted(sent):
        return "messages"
    for row in rows:
        message = sent[row["message_id"]]
        if (row.get("to"), row.get("sha256")) != (message["to"], message["sha256"]):
            return f"message {message['to']}"
        state = delivered.get(row["message_id"])
        if state is not None and row.get("status") != state:
            return f"status of {message['to']}"
        if state is None and row.get("status") in {"sent", "failed"}:
            return f"status of {message['to']}"
        if (row.get("delivered_at") is not None) != (state == "sent"):
            return f"delivered_at of {message['to']}"
    return None


def check(
    events: list[dict[str, Any]],
    files: dict[str, bytes],
    digests: dict[str, str],
    report: Report,
) -> set[str]:
    """Check every ``notices/`` file; returns the paths matched to the chain."""
    sent = {
        e["body"]["payload"]["notice"]: e["body"]
        for e in events
        if e["body"]["kind"] == "notice.sent"
    }
    delivered = _deliveries(events)
    matched: set[str] = set()
    for path in sorted(digests):
        found = PATH.fullmatch(path)
        if found is None:
            continue
        body = sent.get(found["notice"])
        if body is None:
            _mismatch(report, path, None, "no notice.sent event")
            continue
        payload, rest = body["payload"], found["rest"]
        hashes = {m["sha256"] for m in payload["messages"]}
        if rest == "notice.json":
            try:
                stored = json.loads(files[path])
            except (KeyError, ValueError) as exc:
                _mismatch(report, path, body["seq"], f"unreadable: {exc}")
                continue
            if problem := _summary_problem(stored, body, delivered):
                _mismatch(report, path, body["seq"], problem)
                continue
        elif rest in ("letter.pdf", "invitation.ics"):
            key = "letter_sha256" if rest == "letter.pdf" else "ics_sha256"
            if digests[path] != payload.get(key):
                _mismatch(report, path, body["seq"], key)
                continue
        elif rest.startswith("messages/") and rest.endswith(".eml"):
            if digests[path] not in hashes:
                _mismatch(report, path, body["seq"], "not a message sent")
                continue
        else:
            continue  # an unknown file: refused by the file list
        matched.add(path)
    for notice, body in sorted(sent.items()):
        if f"notices/{notice}/notice.json" not in digests and any(
            p.startswith("notices/") for p in digests
        ):
            _mismatch(report, f"notices/{notice}/notice.json", body["seq"], "missing")
    if sent:
        report.checked.append(f"notices matched to the chain ({len(sent)})")
    return matched
