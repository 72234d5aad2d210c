"""Recompute ``traffic_data.json`` (Decree s.9(5)) and ``incidents.json`` (R42) from the
raw events.

Every connection's row is what its ``attendance.joined`` event recorded (address,
port, device, session, node, check) and ends as its ``attendance.left`` or the event
that closed it (``meeting.closed``, ``participant.removed``, an item taken up that
the person may not stay for, a sign-out) says; rows purged at the end of the
retention period are named by ``retention.traffic_data_purged``. Every incident is
its ``incident.recorded`` event, handled as its ``incident.handled`` says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prachum.verify.report import Finding, Report, load_stored

TRAFFIC = "traffic_data.json"
INCIDENTS = "incidents.json"

#: Events that close connections they list in ``connections_closed``, and the reason
#: the row then carries.
CLOSERS = {
    "meeting.closed": "closed",
    "participant.removed": "removed",
    "agenda.item_started": "not_allowed_for_item",
    "attendance.left": "signed_out",
}
#: Facts of a row taken as they are from ``attendance.joined`` (row key, event key).
JOINED_FACTS = (
    ("user", "user"),
    ("identity_check", "check"),
    ("auth_method", "auth_method"),
    ("ip", "ip"),
    ("port", "port"),
    ("user_agent", "user_agent"),
    ("session", "session"),
    ("server_node", "server_node"),
    ("mode", "mode"),
)
_ABSENT = {"ip": None, "port": None, "user_agent": "", "session": ""}


def _when(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(str(value))


def _mismatch(report: Report, file: str, seq: int | None, detail: str) -> None:
    report.add(Finding("RECOMPUTED_MISMATCH", file, event=seq, detail=detail[:200]))


def expected_connections(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Connection id -> its facts from the events, with ``seq`` of its joining and,
    once closed, ``ended`` (``at`` exact, or ``by`` the closing event's time)."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        body = event["body"]
        kind, payload = body["kind"], body["payload"]
        if kind == "attendance.joined":
            rows[payload["connection"]] = {
                "seq": body["seq"],
                "facts": {
                    row: payload.get(key, _ABSENT.get(row)) for row, key in JOINED_FACTS
                },
                "connected_at": payload["at"],
                "ended": None,
            }
        if kind == "attendance.left" and payload["connection"] in rows:
            row = rows[payload["connection"]]
            if row["ended"] is None:
                row["ended"] = {"at": payload["at"], "reason": payload["reason"]}
        if kind in CLOSERS:
            for connection in payload.get("connections_closed", []):
                closing = rows.get(connection)
                if closing is not None and closing["ended"] is None:
                    closing["ended"] = {"by": body["at"], "reason": CLOSERS[kind]}
        if kind == "retention.traffic_data_purged":
            for connection in payload.get("connections", []):
                rows.pop(connection, None)
    return rows


def _ending_problem(row: dict[str, Any], expected: dict[str, Any]) -> str | None:
    ended = expected["ended"]
    if ended is None:
        return None if row.get("disconnected_at") is None else "disconnected_at"
    if row.get("reason") != ended["reason"]:
        return f"reason: {ended['reason']!r}"
    end = _when(row.get("disconnected_at"))
    if "at" in ended:
        return None if end == _when(ended["at"]) else "disconnected_at"
    start, by = _when(expected["connected_at"]), _when(ended["by"])
    if end is None or start is None or by is None or not start <= end <= by:
        return "disconnected_at"
    return None


def traffic_data(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    stored = load_stored(files, TRAFFIC, report)
    if stored is None:
        return
    expected = expected_connections(events)
    seen = set()
    for row in stored:
        connection = row.get("connection")
        seen.add(connection)
        want = expected.get(connection)
        if want is None:
            _mismatch(report, TRAFFIC, None, f"no join event for {connection}")
            continue
        for key, value in want["facts"].items():
            if row.get(key) != value:
                _mismatch(report, TRAFFIC, want["seq"], f"{connection} {key}")
                break
        else:
            if _when(row.get("connected_at")) != _when(want["connected_at"]):
                _mismatch(report, TRAFFIC, want["seq"], f"{connection} connected_at")
            elif problem := _ending_problem(row, want):
                _mismatch(report, TRAFFIC, want["seq"], f"{connection} {problem}")
    for connection in sorted(set(expected) - seen):
        _mismatch(report, TRAFFIC, expected[connection]["seq"], f"missing {connection}")
    report.checked.append(f"traffic data recomputed ({len(expected)} connections)")


def incidents(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    stored = load_stored(files, INCIDENTS, report)
    if stored is None:
        return
    recorded: dict[str, dict[str, Any]] = {}
    handled: dict[str, dict[str, Any]] = {}
    for event in events:
        body = event["body"]
        if body["kind"] == "incident.recorded":
            recorded[body["payload"]["incident"]] = body
        elif body["kind"] == "incident.handled":
            handled[body["payload"]["incident"]] = body
    seen = set()
    for row in stored:
        incident = row.get("id")
        seen.add(incident)
        body = recorded.get(incident)
        if body is None:
            _mismatch(report, INCIDENTS, None, f"no event for {incident}")
            continue
        payload = body["payload"]
        reporter = row.get("reported_by")
        facts = {
            "kind": payload["kind"],
            "description": payload["description"],
            "subject": payload["subject"],
            "handling": (handled[incident]["payload"]["handling"])
            if incident in handled
            else "",
        }
        wrong = [key for key, value in facts.items() if row.get(key) != value]
        if body["actor"] != (f"user:{reporter}" if reporter else "system"):
            wrong.append("reported_by")
        if (row.get("handled_at") is None) != (incident not in handled):
            wrong.append("handled_at")
        if wrong:
            _mismatch(report, INCIDENTS, body["seq"], f"{incident} {wrong[0]}")
    for incident in sorted(set(recorded) - seen):
        _mismatch(report, INCIDENTS, recorded[incident]["seq"], f"missing {incident}")
    report.checked.append(f"incidents recomputed ({len(recorded)})")
