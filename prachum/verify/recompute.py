"""Recompute from the raw events what the package's other files claim, and compare.

The events are the record; ``attendance.json``, ``identity_checks.json`` and (with
voting) the results files are views of it. Any difference is reported with the file
and the event it concerns.
"""

from __future__ import annotations

import json
from typing import Any

from prachum.verify.report import Finding, Report


def _load(files: dict[str, bytes], name: str, report: Report) -> Any:
    if name not in files:
        return None
    try:
        return json.loads(files[name])
    except ValueError as exc:
        report.add(
            Finding("RECOMPUTED_MISMATCH", name, detail=f"unreadable: {exc}"[:200])
        )
        return None


def attendance(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """Every connection's interval, from ``attendance.joined``/``left`` and the close."""
    stored = _load(files, "attendance.json", report)
    if stored is None:
        return
    intervals: dict[str, dict[str, Any]] = {}
    origin: dict[str, int] = {}
    for event in events:
        body = event["body"]
        payload = body["payload"]
        if body["kind"] == "attendance.joined":
            intervals[payload["connection"]] = {
                "user": payload["user"],
                "joined_at": payload["at"],
                "left_at": None,
            }
            origin[payload["connection"]] = body["seq"]
        elif body["kind"] == "attendance.left" and payload["connection"] in intervals:
            intervals[payload["connection"]]["left_at"] = payload["at"]
        elif body["kind"] in {"meeting.closed", "participant.removed"}:
            for connection in payload.get("connections_closed", []):
                if connection in intervals and intervals[connection]["left_at"] is None:
                    intervals[connection]["left_at"] = "closed"
    seen = set()
    for row in stored:
        connection = row.get("connection")
        seen.add(connection)
        expected = intervals.get(connection)
        if expected is None:
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    "attendance.json",
                    detail=f"no join event for {connection}",
                )
            )
            continue
        ended = expected["left_at"]
        if (
            row.get("user") != expected["user"]
            or row.get("joined_at") != expected["joined_at"]
            or (ended not in (None, "closed") and row.get("left_at") != ended)
        ):
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    "attendance.json",
                    event=origin[connection],
                    detail=str(connection),
                )
            )
    for connection in sorted(set(intervals) - seen):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                "attendance.json",
                event=origin[connection],
                detail=f"missing {connection}",
            )
        )
    report.checked.append(f"attendance recomputed ({len(intervals)} connections)")


def identity_checks(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """Every identity check in the file has its event, with the same method and person."""
    stored = _load(files, "identity_checks.json", report)
    if stored is None:
        return
    recorded = {
        e["body"]["payload"]["check"]: e["body"]
        for e in events
        if e["body"]["kind"] == "participant.identity_confirmed"
    }
    for row in stored:
        body = recorded.get(row.get("id"))
        if body is None:
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    "identity_checks.json",
                    detail=f"no event for {row.get('id')}",
                )
            )
        elif (row.get("user"), row.get("method"), row.get("factors")) != (
            body["payload"]["user"],
            body["payload"]["method"],
            body["payload"]["factors"],
        ):
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH", "identity_checks.json", event=body["seq"]
                )
            )
    missing = set(recorded) - {row.get("id") for row in stored}
    for check in sorted(missing):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                "identity_checks.json",
                event=recorded[check]["seq"],
                detail="missing",
            )
        )
    report.checked.append(f"identity checks matched ({len(recorded)})")
