"""Recompute the confirmed allowance list (เบี้ยประชุม, R56-R62; issue 16 point 2).

``allowances/inputs.json`` must be what the ``allowances.computed`` event of the
confirmed run recorded (rates, switches, each person as listed). Attendance is
recomputed from the events: present at some moment between the meeting's opening
and its close, on a connection the events record; identified when an identity check
event names the person; the quorum the chair opened on; who presided. The law engine
(:mod:`prachum.domain.allowances`) then computes every line with the rate in force on
the day, and each line of ``payment_list.csv`` is compared with it; the confirmed
``lines_sha256`` must be the recomputed lines' too.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from typing import Any

from prachum.domain import allowances as engine
from prachum.domain.quorum import Role
from prachum.domain.thai_dates import baht_text, bangkok_date
from prachum.verify.report import Finding, Report
from prachum.verify.traffic import expected_connections

INPUTS = "allowances/inputs.json"
CSV = "allowances/payment_list.csv"


def _mismatch(report: Report, file: str, seq: int | None, detail: str) -> None:
    report.add(Finding("RECOMPUTED_MISMATCH", file, event=seq, detail=detail[:200]))


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _bodies(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["body"] for e in events if e["body"]["kind"] == kind]


def present(events: list[dict[str, Any]]) -> dict[str, str]:
    """Person -> mode of their first connection while the meeting was open."""
    opened = _bodies(events, "meeting.opened")
    closed = _bodies(events, "meeting.closed")
    if not opened or not closed:
        return {}
    start, end = _time(opened[0]["at"]), _time(closed[-1]["at"])
    modes: dict[str, str] = {}
    for row in expected_connections(events).values():
        ended = row["ended"] or {}
        until = _time(ended.get("at") or ended.get("by") or closed[-1]["at"])
        if _time(row["connected_at"]) <= end and until >= start:
            modes.setdefault(row["facts"]["user"], row["facts"]["mode"])
    return modes


def _presiding(
    events: list[dict[str, Any]], attendees: list[engine.Attendee]
) -> str | None:
    listed = {a.person_id for a in attendees}
    designated = _bodies(events, "meeting.presiding_designated")
    if designated and str(designated[-1]["payload"]["user"]) in listed:
        return str(designated[-1]["payload"]["user"])
    for wanted in (Role.CHAIR, Role.VICE_CHAIR):
        for a in attendees:
            if a.role is wanted and a.attended and a.identified:
                return a.person_id
    return None


def recompute(
    events: list[dict[str, Any]], inputs: dict[str, Any]
) -> tuple[engine.AllowanceRun, engine.MeetingAttendance]:
    """The engine's run from the recomputed attendance and the recorded inputs."""
    modes = present(events)
    checked = {
        b["payload"]["user"] for b in _bodies(events, "participant.identity_confirmed")
    }
    attendees = [
        engine.Attendee(
            person_id=p["person"],
            role=Role(p["role"]),
            identified=bool(p["identified"]) and p["person"] in checked,
            attended=p["person"] in modes,
        )
        for p in inputs["attendees"]
    ]
    opened = _bodies(events, "meeting.opened")
    met = (opened[0]["payload"].get("quorum") or {}).get("met") if opened else None
    held_on = (
        bangkok_date(_time(opened[0]["at"]))
        if opened
        else dt.date.fromisoformat(inputs["held_on"])
    )
    meeting_id = _bodies(events, "meeting.scheduled")[0]["payload"]["meeting"]
    attendance = engine.MeetingAttendance(
        meeting_id=meeting_id,
        held_on=held_on,
        quorate=met if isinstance(met, bool) else bool(inputs["quorate"]),
        presiding_id=_presiding(events, attendees),
        attendees=attendees,
    )
    rates = [
        engine.AllowanceRate(
            kind=r["kind"],
            member_amount=Decimal(r["member_amount"]),
            valid_from=dt.date.fromisoformat(r["valid_from"]),
            valid_to=dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            source=r["source"],
        )
        for r in inputs["rates"]
    ]
    switches = inputs["policy"]
    policy = engine.AllowancePolicy(
        chair_premium=Decimal(switches["chair_premium"]),
        vice_chair_premium=Decimal(switches["vice_chair_premium"]),
        pay_secretaries=switches["pay_secretaries"],
        max_paid_assistant_secretaries=switches["max_paid_assistant_secretaries"],
        pay_invitees=switches["pay_invitees"],
        no_quorum_no_allowance=switches["no_quorum_no_allowance"],
    )
    run = engine.compute_allowances(meetings=[attendance], rates=rates, policy=policy)
    return run, attendance


def lines_digest(lines: list[engine.AllowanceLine], inputs: dict[str, Any]) -> str:
    """As :func:`prachum.allowances.services.lines_digest`, from recomputed lines."""
    people = {p["person"]: p for p in inputs["attendees"]}
    rows = [
        [
            line.person_id,
            line.role.value,
            people[line.person_id]["mode"],
            people[line.person_id]["identity_method"],
            str(line.amount),
            line.reason_code,
            line.clause,
        ]
        for line in lines
    ]
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def _confirmed(
    events: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    confirmed = _bodies(events, "allowances.confirmed")
    if not confirmed:
        return None
    run = confirmed[-1]["payload"]["run"]
    computed = [
        b for b in _bodies(events, "allowances.computed") if b["payload"]["run"] == run
    ]
    return (computed[-1], confirmed[-1]) if computed else None


def _expected_inputs(computed: dict[str, Any]) -> dict[str, Any]:
    payload = computed["payload"]
    return {
        "run": payload["run"],
        "quorate": payload["quorate"],
        "presiding": payload["presiding"],
        "rate": payload["rate"],
        "lines": payload["lines"],
        **payload.get("inputs", {}),
    }


def _check_csv(
    rows: list[list[str]],
    inputs: dict[str, Any],
    lines: dict[str, engine.AllowanceLine],
    total: Decimal,
    report: Report,
) -> None:
    names = {p["person"]: p["name"] for p in inputs["attendees"]}
    listed = rows[1:-1]
    if len(listed) != len(inputs["lines"]):
        _mismatch(
            report, CSV, None, f"{len(listed)} lines, {len(inputs['lines'])} recorded"
        )
        return
    for number, (row, recorded) in enumerate(
        zip(listed, inputs["lines"], strict=True), 1
    ):
        person = recorded["person"]
        line = lines.get(person)
        want = [str(number), names.get(person)] + (
            [
                f"{line.amount:.2f}",
                baht_text(line.amount),
                line.reason_code,
                line.clause,
                line.detail,
            ]
            if line
            else []
        )
        have = row[:2] + row[4:9]
        if line is None or have != want:
            _mismatch(report, CSV, None, f"line {number} ({names.get(person)})")
    last = rows[-1] if rows else []
    if last[4:6] != [f"{total:.2f}", baht_text(total)]:
        _mismatch(report, CSV, None, "total")


def _recorded_lines_only(
    rows: list[list[str]],
    inputs: dict[str, Any],
    expected: dict[str, Any],
    seq: int,
    report: Report,
) -> None:
    """A run computed before the engine's inputs were recorded (issue 16): each line is
    compared with the line the event recorded; it cannot be recomputed."""
    if inputs != expected:
        _mismatch(report, INPUTS, seq, "differs from allowances.computed")
    recorded = expected["lines"] or []
    listed = rows[1:-1]
    if len(listed) != len(recorded):
        _mismatch(report, CSV, seq, f"{len(listed)} lines, {len(recorded)} recorded")
    for number, (row, line) in enumerate(zip(listed, recorded, strict=False), 1):
        amount = Decimal(line["amount"])
        if row[4:5] + row[6:8] != [f"{amount:.2f}", line["reason"], line["clause"]]:
            _mismatch(report, CSV, seq, f"line {number}")
    why = "the lines allowances.computed recorded; its inputs were not recorded then"
    for name in (INPUTS, CSV):
        report.files[name] = f"matches the chain ({why})"


def allowances(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    found = _confirmed(events)
    if found is None:
        for name in (INPUTS, CSV):
            if name in files:
                _mismatch(report, name, None, "no confirmed allowance run in the chain")
        return
    computed, confirmed = found
    for name in (INPUTS, CSV):
        if name not in files:
            report.add(Finding("FILE_MISSING", name, event=confirmed["seq"]))
    if INPUTS not in files or CSV not in files:
        return
    try:
        inputs = json.loads(files[INPUTS])
        rows = list(csv.reader(io.StringIO(files[CSV].decode("utf-8-sig"))))
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        _mismatch(report, INPUTS, None, f"unreadable: {exc}")
        return
    expected = _expected_inputs(computed)
    if "inputs" not in computed["payload"]:
        _recorded_lines_only(rows, inputs, expected, computed["seq"], report)
        return
    differing = sorted(
        k for k in set(expected) | set(inputs) if inputs.get(k) != expected.get(k)
    )
    if differing:
        _mismatch(report, INPUTS, computed["seq"], differing[0])
        return
    run, _attendance = recompute(events, inputs)
    by_person = {line.person_id: line for line in run.lines}
    _check_csv(rows, inputs, by_person, run.total, report)
    if lines_digest(list(run.lines), inputs) != confirmed["payload"]["lines_sha256"]:
        _mismatch(
            report,
            "events.jsonl",
            confirmed["seq"],
            "lines differ from the recomputed ones",
        )
    report.checked.append(
        f"allowances recomputed with the law engine ({len(run.lines)} lines)"
    )
