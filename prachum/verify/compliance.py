"""Match ``compliance.json`` (the R74 checklist when the package was built) to the chain.

Each check whose facts the meeting's chain holds is recomputed from the events and
compared: its verdict and the figures in its detail (the notice, identity checks,
polls, connections, clock readings, incidents, the chain's head, the minutes'
approval, the allowance list). The committee's own facts (legal basis, category) and
the recording state are kept outside the meeting's chain: the report names them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from prachum.verify.report import Finding, Report
from prachum.verify.traffic import expected_connections

FILE = "compliance.json"
NOTICE_OK_CODES = {"NOTICE_OK", "NOTICE_URGENT", "NOTICE_INFORMED_AT_PREVIOUS_MEETING"}
#: Checks whose facts are not in the meeting's chain.
OUTSIDE = ("LEGAL_BASIS", "NOT_EXCLUDED", "DOCUMENTS", "RECORDING")

Events = list[dict[str, Any]]
Check = dict[str, Any]


def _kind(events: Events, kind: str) -> list[dict[str, Any]]:
    return [e["body"] for e in events if e["body"]["kind"] == kind]


def _numbers(detail: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", detail)]


def _chair_decision(check: Check, events: Events) -> str | None:
    mode = _kind(events, "meeting.scheduled")[0]["payload"]["mode"]
    if mode not in {"electronic", "hybrid"}:
        return None
    decided = bool(_kind(events, "meeting.electronic_decided"))
    return None if check["passed"] == decided else "passed"


def _notice(events: Events) -> dict[str, Any] | None:
    sent = _kind(events, "notice.sent")
    return sent[-1]["payload"] if sent else None


def _notice_sent(check: Check, events: Events) -> str | None:
    notice = _notice(events)
    if notice is None:
        return None if check["passed"] is False else "passed"
    prefix = f"{notice['letter_number']}: {len(notice['messages'])} messages"
    return None if str(check["detail"]).startswith(prefix) else "detail"


def _notice_on_time(check: Check, events: Events) -> str | None:
    notice = _notice(events)
    if notice is None:
        return None if check["passed"] is False else "passed"
    if check["passed"] != (notice["rule"] in NOTICE_OK_CODES):
        return "passed"
    days = notice.get("days_before")
    if days is not None and f"sent {days} days" not in str(check["detail"]):
        return "detail"
    return None


def _identity(check: Check, events: Events) -> str | None:
    if check["passed"] is None:
        return None
    joined = _kind(events, "attendance.joined")
    want = [
        len({b["payload"]["user"] for b in joined}),
        len(_kind(events, "participant.identity_confirmed")),
    ]
    return None if _numbers(check["detail"])[:2] == want else "detail"


def _votes(check: Check, events: Events) -> str | None:
    created = _kind(events, "poll.created")
    if not created:
        return None if check["passed"] is True else "passed"
    done = {
        b["payload"]["poll"]
        for b in _kind(events, "poll.closed") + _kind(events, "poll.voided")
    }
    pending = sum(1 for b in created if b["payload"]["poll"] not in done)
    secret = sum(1 for b in created if b["payload"]["is_secret"])
    if _numbers(check["detail"]) != [len(created), secret, pending]:
        return "detail"
    return None if check["passed"] == (pending == 0) else "passed"


def _traffic(check: Check, events: Events) -> str | None:
    if check["passed"] is None:
        return None
    count = len(expected_connections(events))
    return None if _numbers(check["detail"])[:1] == [count] else "detail"


def _clock(check: Check, events: Events) -> str | None:
    if check["passed"] is None:
        return None
    readings = [
        b["payload"].get("clock")
        for b in _kind(events, "meeting.opened") + _kind(events, "meeting.closed")
    ]
    dicts = [c for c in readings if isinstance(c, dict)]
    want = [sum(1 for c in dicts if c.get("synced")), len(dicts)]
    return None if _numbers(check["detail"]) == want else "detail"


def _incidents(check: Check, events: Events) -> str | None:
    recorded = {b["payload"]["incident"] for b in _kind(events, "incident.recorded")}
    handled = {b["payload"]["incident"] for b in _kind(events, "incident.handled")}
    figures = _numbers(check["detail"])
    if figures[:2] != [len(recorded), len(recorded - handled)]:
        return "detail"
    return None


def _chain(check: Check, events: Events) -> str | None:
    found = re.fullmatch(r"(\d+) events, head ([0-9a-f]+)", str(check["detail"]))
    if found is None:
        return None if check["passed"] is not True else "detail"
    length = int(found[1])
    if length > len(events) or not events[length - 1]["hash"].startswith(found[2]):
        return "detail"
    return None


def _minutes(check: Check, events: Events) -> str | None:
    approved = bool(_kind(events, "minutes.approved"))
    return None if (check["passed"] is True) == approved else "passed"


def _allowances(check: Check, events: Events) -> str | None:
    confirmed = _kind(events, "allowances.confirmed")
    if (check["passed"] is True) != bool(confirmed):
        return "passed"
    if confirmed and _numbers(check["detail"].replace(",", "")) != _numbers(
        confirmed[-1]["payload"]["total"]
    ):
        return "detail"
    return None


CHECKERS: dict[str, Callable[[Check, Events], str | None]] = {
    "CHAIR_DECISION": _chair_decision,
    "NOTICE_SENT": _notice_sent,
    "NOTICE_ON_TIME": _notice_on_time,
    "IDENTITY": _identity,
    "VOTES": _votes,
    "TRAFFIC_DATA": _traffic,
    "CLOCK": _clock,
    "INCIDENTS": _incidents,
    "CHAIN": _chain,
    "MINUTES": _minutes,
    "ALLOWANCES": _allowances,
}


def compliance(events: Events, files: dict[str, bytes], report: Report) -> None:
    if FILE not in files:
        return
    try:
        stored = json.loads(files[FILE])
        checks = {c["code"]: c for c in stored["checks"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.add(Finding("RECOMPUTED_MISMATCH", FILE, detail=f"unreadable: {exc}"))
        return
    meeting = _kind(events, "meeting.scheduled")[0]["payload"]["meeting"]
    problems = []
    if stored.get("meeting") != meeting:
        problems.append("meeting")
    if stored.get("all_passed") != all(c["passed"] is True for c in checks.values()):
        problems.append("all_passed")
    for code in CHECKERS.keys() - checks.keys():
        problems.append(f"{code} missing")
    for code, check in checks.items():
        checker = CHECKERS.get(code)
        if checker is None and code not in OUTSIDE:
            problems.append(f"{code} unknown")
        elif checker is not None and (problem := checker(check, events)):
            problems.append(f"{code} {problem}")
    for problem in problems:
        report.add(Finding("RECOMPUTED_MISMATCH", FILE, detail=problem))
    outside = ", ".join(code for code in OUTSIDE if code in checks)
    report.files[FILE] = (
        f"matches the chain ({len(CHECKERS)} checks; {outside} not in the chain)"
    )
    report.checked.append(f"compliance checklist matched ({len(CHECKERS)} checks)")
