"""Retention periods as plain arithmetic (no Django): the CCA floor and due dates.

Computer-Related Crime Act B.E. 2550 s.26: traffic data is kept for not less than 90
days from the day it enters the computer system (legal.md A7, R40). Every record class
Prachum purges holds traffic data or user-identification data (a meeting's record holds
its participants' traffic data, Decree s.9(5) and last paragraph; an account chain
holds login addresses), so the floor applies to every class.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: CCA s.26 para 1: "not less than ninety days".
CCA_FLOOR_DAYS = 90


def below_floor(days: int) -> bool:
    """True when a period of ``days`` would purge data younger than the CCA floor."""
    return days < CCA_FLOOR_DAYS


def retention_days(*periods: int) -> int:
    """The period that satisfies every rule at once: the longest, never under the floor."""
    return max(CCA_FLOOR_DAYS, *periods)


def cutoff(now: datetime, days: int) -> datetime:
    """Records that ended at or before this instant are past a ``days``-day period."""
    return now - timedelta(days=days)


def due_at(record_end: datetime, days: int) -> datetime:
    return record_end + timedelta(days=days)
