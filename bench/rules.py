"""Timings of the law engine's heavy calls, one JSON line per figure.

Run: ``.venv/bin/python bench/rules.py``. Each figure is the median of up to ``RUNS``
repetitions (stopping early after ``BUDGET_S``); the target is under 50 ms each. The
numbers are reported, never asserted.
"""

import json
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from prachum.domain.allowances import (
    AllowanceRate,
    Attendee,
    MeetingAttendance,
    compute_allowances,
)
from prachum.domain.majority import MajorityRule, decide, tally, tally_choices
from prachum.domain.quorum import Presence, QuorumRule, Role, RosterEntry, quorum_status

RUNS = 21
BUDGET_S = 5.0
LIMIT_MS = 50.0
BODY = 10_000


def measure(figure: str, fn: Callable[[], Any], **extra: Any) -> None:
    samples: list[float] = []
    deadline = time.perf_counter() + BUDGET_S
    while len(samples) < RUNS and time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(samples)
    line = {
        "bench": "rules",
        "figure": figure,
        "ms": round(ms, 3),
        "runs": len(samples),
    }
    print(
        json.dumps(line | extra | {"limit_ms": LIMIT_MS, "under_limit": ms < LIMIT_MS})
    )


def main() -> None:
    roster = [RosterEntry(f"p{i}", Role.MEMBER) for i in range(BODY)]
    presences = [
        Presence(f"p{i}", "remote" if i % 3 else "in_room", True, i % 7 != 0, True)
        for i in range(BODY)
    ]
    measure(
        "quorum_10000",
        lambda: quorum_status(
            roster=roster, presences=presences, rule=QuorumRule(), require_audio=True
        ),
        members=BODY,
    )

    choices = ["yes", "no", "abstain"]
    ballots = [choices[i % 3] for i in range(BODY)]

    def decide_10000() -> None:
        decide(tally=tally(ballots), rule=MajorityRule(), members=BODY)

    measure("tally_10000", decide_10000, members=BODY)

    options = [f"option{i}" for i in range(10)]
    multi = [[options[i % 10], options[(i + 3) % 10]] for i in range(BODY)]
    measure(
        "tally_choices_10000",
        lambda: tally_choices(options, multi, max_choices=3),
        members=BODY,
    )

    people = [Attendee(f"p{i}", Role.MEMBER, identified=i % 10 != 0) for i in range(48)]
    people += [
        Attendee("chair", Role.CHAIR, identified=True),
        Attendee("sec", Role.SECRETARY, identified=True),
    ]
    meetings = [
        MeetingAttendance(
            f"M{n}", date(2025, 1, 6) + timedelta(days=15 * n), True, None, people
        )
        for n in range(24)
    ]
    rates = [
        AllowanceRate("per_meeting", Decimal(1000), date(2025, 1, 1), None, "bench")
    ]
    measure(
        "allowances_year_24x50",
        lambda: compute_allowances(meetings=meetings, rates=rates),
        meetings=24,
        people=50,
    )


if __name__ == "__main__":
    main()
