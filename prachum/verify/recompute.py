"""Recompute from the raw events what the package's other files claim, and compare.

The events are the record; ``attendance.json``, ``identity_checks.json`` and (with
voting) the results files are views of it. Any difference is reported with the file
and the event it concerns.
"""

from __future__ import annotations

from typing import Any

from prachum.domain.elections import decide_choices
from prachum.domain.majority import MajorityRule, decide, tally, tally_choices
from prachum.verify import recordings as record
from prachum.verify import room_ballots
from prachum.verify.report import Finding, Report, load_stored


def attendance(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """Every connection's interval, from ``attendance.joined``/``left`` and the close."""
    stored = load_stored(files, "attendance.json", report)
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


#: The facts of an identity check its ``participant.identity_confirmed`` event holds.
IDENTITY_FACTS = (
    "user",
    "method",
    "factor",
    "factors",
    "location",
    "room",
    "in_kingdom",
    "device_ok",
    "alone_declared",
    "performed_by",
    "ip",
    "user_agent",
)


def identity_checks(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """Every identity check in the file has its event, with the same facts (person,
    method, factors, place, device, address, who checked)."""
    stored = load_stored(files, "identity_checks.json", report)
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
        elif any(
            row.get(key) != body["payload"][key]
            for key in IDENTITY_FACTS
            if key in body["payload"]
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


def _rule(data: dict[str, Any]) -> Any:
    from fractions import Fraction

    return MajorityRule(
        kind=data["kind"],
        fraction=Fraction(data["fraction"]) if data.get("fraction") else None,
        abstentions=data["abstentions"],
        casting_vote=data["casting_vote"],
        source=data.get("source", ""),
    )


def _recount(
    kind: str,
    ballots: list[list[str]],
    opened: dict[str, Any],
    poll: dict[str, Any],
    casting: Any,
) -> dict[str, Any]:
    """Count and decide a poll with the law engine, as the system should have."""

    rule = _rule(opened["rule"])
    if kind == "motion":
        counted = tally(b[0] for b in ballots)
        decision = decide(tally=counted, rule=rule, members=opened["base_members"])
        if decision.needs_casting_vote and casting is not None:
            decision = decide(
                tally=counted,
                rule=rule,
                members=opened["base_members"],
                casting_vote=casting["choice"][0],
            )
        return {
            "tally": {"yes": counted.yes, "no": counted.no, "abstain": counted.abstain},
            "carried": decision.carried,
            "outcome": decision.code,
        }
    keys = [o["id"] for o in poll["options"]]
    choices = tally_choices(keys, ballots, max_choices=poll["max_choices"])
    election = decide_choices(
        counts=choices.counts, seats=poll["max_choices"], rule=rule
    )
    if election.needs_casting_vote and casting is not None:
        election = decide_choices(
            counts=choices.counts,
            seats=poll["max_choices"],
            rule=rule,
            casting=casting["choice"],
        )
    return {
        "tally": {
            "counts": dict(choices.counts),
            "ballots": choices.ballots,
            "blank": choices.blank,
        },
        "winners": list(election.winners),
        "outcome": election.code,
    }


def votes(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """Each closed poll: voters were eligible at opening, one ballot per voter, and the
    result recounted with the law engine equals the stored result and the event's."""
    opened: dict[str, dict[str, Any]] = {}
    casting: dict[str, Any] = {}
    closed: list[dict[str, Any]] = []
    room = room_ballots.RoomEvents()
    for event in events:
        body = event["body"]
        room.take(body)
        if body["kind"] == "poll.opened":
            opened[body["payload"]["poll"]] = body["payload"]
        elif body["kind"] == "poll.closed":
            closed.append(body)
        elif body["kind"] == "poll.casting_vote":
            casting[body["payload"]["poll"]] = body
    for body in closed:
        payload = body["payload"]
        poll_id = payload["poll"]
        base = f"votes/{poll_id}"
        poll = load_stored(files, f"{base}/poll.json", report)
        start = opened.get(poll_id)
        if poll is None or start is None:
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    f"{base}/poll.json",
                    event=body["seq"],
                    detail="poll or its opening missing",
                )
            )
            continue
        voters = payload.get("voters", [])
        if not set(voters) <= set(start["eligible"]) or len(set(voters)) != len(voters):
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    f"{base}/voters.json",
                    event=body["seq"],
                    detail="voter not eligible or twice",
                )
            )
        if load_stored(files, f"{base}/voters.json", report) != sorted(voters):
            report.add(
                Finding("RECOMPUTED_MISMATCH", f"{base}/voters.json", event=body["seq"])
            )
        room_ballots.check_poll(body, poll, room, files, report)
        if payload["is_secret"]:
            ballots = load_stored(files, f"{base}/secret_ballots.json", report) or []
        else:
            ballots = [b["choice"] for b in payload.get("ballots", [])]
            stored = load_stored(files, f"{base}/open_ballots.json", report) or []
            expected = sorted(
                (
                    {"voter": b["voter"], "choice": b["choice"]}
                    | (
                        {"channel": b["channel"], "recorded_by": b.get("recorded_by")}
                        if "channel" in b
                        else {}
                    )
                    for b in payload.get("ballots", [])
                ),
                key=lambda b: b["voter"],
            )
            if stored != expected:
                report.add(
                    Finding(
                        "RECOMPUTED_MISMATCH",
                        f"{base}/open_ballots.json",
                        event=body["seq"],
                    )
                )
        if len(ballots) != len(voters):
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    base,
                    event=body["seq"],
                    detail=f"{len(ballots)} ballots, {len(voters)} voters",
                )
            )
            continue
        cast = casting.get(poll_id)
        final = cast["payload"]["result"] if cast else payload["result"]
        recount = _recount(
            poll["kind"], ballots, start, poll, final.get("casting_vote")
        )
        for key, value in recount.items():
            if final.get(key) != value or poll["result"].get(key) != value:
                where = (
                    f"{base}/poll.json" if final.get(key) == value else "events.jsonl"
                )
                report.add(
                    Finding(
                        "RECOMPUTED_MISMATCH",
                        where,
                        event=(cast or body)["seq"],
                        detail=f"{key}: {value!r}",
                    )
                )
                break
        for moment in ("quorum_at_open", "quorum_at_close"):
            quorum = poll.get(moment) or {}
            if quorum and quorum.get("met") != (
                quorum.get("counted", 0) >= quorum.get("required", 1)
            ):
                report.add(
                    Finding(
                        "RECOMPUTED_MISMATCH",
                        f"{base}/poll.json",
                        event=body["seq"],
                        detail=moment,
                    )
                )
    report.checked.append(f"votes recounted with the law engine ({len(closed)} polls)")


def recordings(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    """``recordings/index.json`` is what the events say, and the ``recording.gap``
    events are the gaps recomputed from attendance and the recorded segments (R31)."""

    run = record.last_run(events)
    if not run:
        return
    stored = load_stored(files, record.INDEX, report)
    if stored is None and record.INDEX not in files:
        report.add(Finding("FILE_MISSING", record.INDEX))
    elif stored is not None:
        expected = record.build_index(events)
        for key in sorted(set(expected) | set(stored)):
            if stored.get(key) != expected.get(key):
                report.add(
                    Finding("RECOMPUTED_MISMATCH", record.INDEX, detail=str(key))
                )
    recorded_gaps = [
        (body["seq"], body["payload"]) for body in run if body["kind"] == record.GAP
    ]
    gaps = record.expected_gaps(events)
    if [payload for _seq, payload in recorded_gaps] != gaps:
        first = recorded_gaps[0][0] if recorded_gaps else None
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                "events.jsonl",
                event=first,
                detail=f"recording gaps: {len(recorded_gaps)} recorded, "
                f"{len(gaps)} recomputed",
            )
        )
    report.checked.append(f"recordings index and gaps recomputed ({len(gaps)} gaps)")
