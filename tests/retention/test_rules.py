"""The retention arithmetic: the CCA s.26 floor of 90 days under every period."""

from __future__ import annotations

import datetime as dt

from prachum.retention import rules

NOW = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)


def test_the_floor_is_ninety_days() -> None:
    assert rules.CCA_FLOOR_DAYS == 90
    assert rules.below_floor(89) is True
    assert rules.below_floor(90) is False


def test_the_period_is_the_longest_and_never_under_the_floor() -> None:
    assert rules.retention_days(30) == 90
    assert rules.retention_days(3653, 90, 3653) == 3653
    assert rules.retention_days(100, 731) == 731


def test_cutoff_and_due_date_are_the_period_apart() -> None:
    end = NOW - dt.timedelta(days=100)
    assert rules.cutoff(NOW, 90) == NOW - dt.timedelta(days=90)
    assert rules.due_at(end, 90) == NOW - dt.timedelta(days=10)
    assert end <= rules.cutoff(NOW, 90)
    assert not end <= rules.cutoff(NOW, 101)
