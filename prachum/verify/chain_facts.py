"""Compare ``meeting.json`` and ``minutes.json`` fact by fact with the events that
recorded each fact.

The meeting: what ``meeting.scheduled`` said, as rescheduled, decided, marked urgent,
noticed (its number), opened, closed or cancelled; its agenda as scheduled, added,
changed and removed item by item. The minutes: the version is the last one recorded,
its text hashes to the hash the chain holds, and its approval is what
``minutes.approval_recorded``/``minutes.approved`` say. The committee's own details
(name, legal basis, agency) are kept in the committee's chain, not the meeting's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from prachum.verify.report import Finding, Report, load_stored

MEETING = "meeting.json"
MINUTES = "minutes.json"
VERSION_KINDS = {"minutes.drafted", "minutes.edited", "minutes.corrected"}
STATUS_EVENTS = {
    "notice.sent": "notified",
    "meeting.opened": "open",
    "meeting.suspended": "suspended",
    "meeting.resumed": "open",
    "meeting.closed": "closed",
    "meeting.cancelled": "cancelled",
}


def _mismatch(report: Report, file: str, seq: int | None, detail: str) -> None:
    report.add(Finding("RECOMPUTED_MISMATCH", file, event=seq, detail=detail[:200]))


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None


def _user(body: dict[str, Any]) -> str:
    return str(body["actor"]).removeprefix("user:")


def expected_meeting(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The meeting's facts as the events recorded them; ``seq``: fact -> its event."""
    facts: dict[str, Any] = {"electronic_decided_by": "", "urgent_reason": ""}
    seq: dict[str, int] = {}
    agenda: dict[str, dict[str, Any]] = {}
    standard: list[str] = []

    def put(key: str, value: Any, at: int) -> None:
        facts[key], seq[key] = value, at

    for event in events:
        body = event["body"]
        kind, payload, at = body["kind"], body["payload"], body["seq"]
        if kind == "meeting.scheduled":
            put("id", payload["meeting"], at)
            put("committee", payload["committee"], at)
            for key in ("title", "buddhist_year", "mode", "venue", "is_secret"):
                put(key, payload[key], at)
            put("adjourned_from", payload["adjourned_from"] or "", at)
            put("starts_at", _time(payload["starts_at"]), at)
            put("ends_at", _time(payload["ends_at"]), at)
            put("status", "draft", at)
            for item in payload.get("agenda_items", []):
                agenda[item["item"]] = {"title": item["title"], "is_secret": False}
                seq["agenda:" + item["item"]] = at
            if "agenda_items" not in payload:
                standard = list(payload["agenda"])
        elif kind == "meeting.rescheduled":
            after = payload["after"]
            put("starts_at", _time(after["starts_at"]), at)
            put("ends_at", _time(after["ends_at"]), at)
            put("venue", after["venue"], at)
        elif kind == "meeting.electronic_decided":
            put("electronic_decided_by", _user(body), at)
        elif kind == "meeting.marked_urgent":
            put("urgent_reason", payload["reason"], at)
        elif kind == "agenda.item_added":
            agenda[payload["item"]] = {
                "title": payload["title"],
                "is_secret": payload["is_secret"],
            }
            seq["agenda:" + payload["item"]] = at
        elif kind == "agenda.item_updated" and payload["item"] in agenda:
            agenda[payload["item"]] = {
                "title": payload["after"]["title"],
                "is_secret": payload["after"]["is_secret"],
            }
            seq["agenda:" + payload["item"]] = at
        elif kind == "agenda.item_removed":
            agenda.pop(payload["item"], None)
        if kind == "notice.sent" and "meeting_number" in payload:
            put("number", payload["meeting_number"], at)
        if kind in STATUS_EVENTS and not (
            kind == "notice.sent" and facts.get("status") != "draft"
        ):
            put("status", STATUS_EVENTS[kind], at)
    return {"facts": facts, "seq": seq, "agenda": agenda, "standard": standard}


def _agenda_problem(
    rows: list[dict[str, Any]], want: dict[str, Any]
) -> tuple[str, str | None] | None:
    """(what differs, the item's key in ``seq``), or ``None``."""
    agenda, standard = want["agenda"], list(want["standard"])
    listed = set()
    for row in rows:
        item = str(row.get("id"))
        listed.add(item)
        expected = agenda.get(item)
        if expected is None and standard and row.get("title") == standard[0]:
            standard.pop(0)  # scheduled before item ids were recorded
            continue
        if expected is None:
            return f"agenda item {item} not in the chain", None
        for key in ("title", "is_secret"):
            if row.get(key) != expected[key]:
                return f"agenda item {item} {key}", "agenda:" + item
    for item in sorted(set(agenda) - listed):
        return f"agenda item {item} missing", "agenda:" + item
    if standard:
        return "standard agenda sections missing", None
    return None


def meeting(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    stored = load_stored(files, MEETING, report)
    if stored is None:
        return
    want = expected_meeting(events)
    facts, seq = want["facts"], want["seq"]
    values = dict(stored)
    values["committee"] = (stored.get("committee") or {}).get("id")
    for key in ("starts_at", "ends_at"):
        values[key] = _time(stored.get(key))
    for key, value in facts.items():
        if values.get(key) != value:
            _mismatch(report, MEETING, seq.get(key), key)
            return
    if "number" not in facts and stored.get("number") is not None:
        _mismatch(report, MEETING, None, "number")
        return
    problem = _agenda_problem(stored.get("agenda", []), want)
    if problem is not None:
        detail, where = problem
        _mismatch(report, MEETING, seq.get(where or ""), detail)
        return
    report.checked.append(f"meeting and agenda match the chain ({len(facts)} facts)")


def content_sha256(content: Any) -> str:
    """As :func:`prachum.minutes.selectors.content_sha256`: sorted keys, no spaces."""
    return hashlib.sha256(
        json.dumps(
            content, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()
    ).hexdigest()


def _minutes_problem(
    stored: dict[str, Any], events: list[dict[str, Any]]
) -> tuple[str, int | None] | None:
    versions = {
        e["body"]["payload"]["version"]: e["body"]
        for e in events
        if e["body"]["kind"] in VERSION_KINDS
    }
    if not versions:
        return "no minutes event", None
    latest = versions[max(versions)]
    if stored.get("version") != latest["payload"]["version"]:
        return "not the latest version", latest["seq"]
    if content_sha256(stored.get("content")) != latest["payload"]["sha256"]:
        return "content differs from the version's hash", latest["seq"]
    if stored.get("sha256") != latest["payload"]["sha256"]:
        return "sha256", latest["seq"]
    if stored.get("created_by") != _user(latest):
        return "created_by", latest["seq"]
    minutes = latest["payload"]["minutes"]
    recorded = {
        _user(e["body"]): e["body"]
        for e in events
        if e["body"]["kind"] == "minutes.approval_recorded"
        and e["body"]["payload"]["minutes"] == minutes
    }
    approved = next(
        (
            e["body"]
            for e in events
            if e["body"]["kind"] == "minutes.approved"
            and e["body"]["payload"]["minutes"] == minutes
        ),
        None,
    )
    approvals = {a.get("approver"): a for a in stored.get("approvals", [])}
    status: tuple[str, bool | None, str, str]
    if approved is None:
        status = ("draft", None, "", "")
        approvers = set(recorded)
    else:
        payload = approved["payload"]
        status = ("approved", True, payload["method"], payload["at_meeting"] or "")
        approvers = set(payload["approvers"])
    got = (
        stored.get("status"),
        True if stored.get("approved_at") else None,
        stored.get("approval_method") or "",
        stored.get("approved_at_meeting") or "",
    )
    if got != status:
        return "approval", (approved or latest)["seq"]
    if set(approvals) != approvers:
        return "approvers", (approved or latest)["seq"]
    for approver, body in recorded.items():
        payload, row = body["payload"], approvals.get(approver, {})
        want = (payload["method"], payload["at_meeting"] or "", payload["auth_method"])
        have = (row.get("method"), row.get("at_meeting") or "", row.get("auth_method"))
        if want != have:
            return f"approval by {approver}", body["seq"]
    return None


def minutes(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    stored = load_stored(files, MINUTES, report)
    if stored is None:
        return
    problem = _minutes_problem(stored, events)
    if problem is not None:
        _mismatch(report, MINUTES, problem[1], problem[0])
        return
    report.checked.append("minutes: text, version and approval match the chain")
