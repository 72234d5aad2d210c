"""Recompute ``absences.json`` (leave of absence, ลาประชุม) from the raw events.

Every leave in the file has its ``absence.recorded`` event with the same member and
reason, is withdrawn exactly when an ``absence.withdrawn`` event says so, and no
recorded leave is missing from the file.
"""

from __future__ import annotations

import json
from typing import Any

from prachum.verify.report import Finding, Report

FILE = "absences.json"


def absences(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    if FILE not in files:
        return
    try:
        stored = json.loads(files[FILE])
    except ValueError as exc:
        report.add(Finding("RECOMPUTED_MISMATCH", FILE, detail=f"unreadable: {exc}"))
        return
    recorded: dict[str, dict[str, Any]] = {}
    withdrawn: set[str] = set()
    for event in events:
        body = event["body"]
        if body["kind"] == "absence.recorded":
            recorded[body["payload"]["absence"]] = body
        elif body["kind"] == "absence.withdrawn":
            withdrawn.add(body["payload"]["absence"])
    seen = set()
    for row in stored:
        absence = row.get("id")
        seen.add(absence)
        body = recorded.get(absence)
        if body is None:
            report.add(
                Finding("RECOMPUTED_MISMATCH", FILE, detail=f"no event for {absence}")
            )
            continue
        payload = body["payload"]
        if (
            row.get("member") != payload["member"]
            or row.get("reason") != payload["reason"]
            or (row.get("withdrawn_at") is not None) != (absence in withdrawn)
        ):
            report.add(Finding("RECOMPUTED_MISMATCH", FILE, event=body["seq"]))
    for absence in sorted(set(recorded) - seen):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                FILE,
                event=recorded[absence]["seq"],
                detail="missing",
            )
        )
    report.checked.append(f"leave of absence matched ({len(recorded)})")
