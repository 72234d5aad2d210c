"""Recompute ``challenges.json`` (คัดค้าน; APA ss.13-17) from the raw events.

Every challenge in the file has its ``item.challenge_filed`` event with the same member,
ground, facts and addressee; its outcome and tally are those of the last
``item.challenge_decided`` event for it (pending when there is none); no filed challenge
is missing; the resolutions flagged for redo are those whose last
``item.resolution_redo_flagged`` event says so.
"""

from __future__ import annotations

import json
from typing import Any

from prachum.verify.report import Finding, Report

FILE = "challenges.json"


def _expected(events: list[dict[str, Any]]) -> tuple[dict[str, Any], set[str]]:
    filed: dict[str, dict[str, Any]] = {}
    redo: dict[str, bool] = {}
    for event in events:
        body = event["body"]
        payload = body["payload"]
        if body["kind"] == "item.challenge_filed":
            filed[payload["challenge"]] = {
                "seq": body["seq"],
                "fields": (
                    payload["member"],
                    payload["ground"],
                    payload["facts"],
                    payload["addressed_to"],
                ),
                "outcome": "pending",
                "tally": None,
            }
        elif body["kind"] == "item.challenge_decided" and payload["challenge"] in filed:
            filed[payload["challenge"]]["outcome"] = payload["outcome"]
            filed[payload["challenge"]]["tally"] = payload["tally"]
        elif body["kind"] == "item.resolution_redo_flagged":
            redo[payload["resolution"]] = payload["redo_requested"]
    return filed, {r for r, flagged in redo.items() if flagged}


def challenges(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    if FILE not in files:
        return
    try:
        stored = json.loads(files[FILE])
        rows = stored["challenges"]
        flagged = set(stored["redo_requested"])
    except (ValueError, KeyError, TypeError) as exc:
        report.add(Finding("RECOMPUTED_MISMATCH", FILE, detail=f"unreadable: {exc}"))
        return
    filed, redo = _expected(events)
    seen = set()
    for row in rows:
        challenge = row.get("id")
        seen.add(challenge)
        expected = filed.get(challenge)
        if expected is None:
            report.add(
                Finding("RECOMPUTED_MISMATCH", FILE, detail=f"no event for {challenge}")
            )
            continue
        got = (row.get("member"), row.get("ground"), row.get("facts"))
        if (
            (*got, row.get("addressed_to")) != expected["fields"]
            or row.get("outcome") != expected["outcome"]
            or row.get("tally") != expected["tally"]
        ):
            report.add(Finding("RECOMPUTED_MISMATCH", FILE, event=expected["seq"]))
    for challenge in sorted(set(filed) - seen):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                FILE,
                event=filed[challenge]["seq"],
                detail="missing",
            )
        )
    if flagged != redo:
        report.add(Finding("RECOMPUTED_MISMATCH", FILE, detail="redo_requested"))
    report.checked.append(f"challenges matched ({len(filed)})")
