"""Recording gaps (R31): attended minus recorded, a secret session listed apart."""

from __future__ import annotations

from prachum.domain.recordings import (
    NOT_RECORDED,
    SECRET_SESSION,
    Gap,
    intersect,
    recording_gaps,
    subtract,
    total_ms,
    union,
)


def test_interval_arithmetic() -> None:
    assert union([(5, 7), (0, 2), (1, 3), (7, 8), (9, 9)]) == [(0, 3), (5, 8)]
    assert subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert subtract([(0, 10)], []) == [(0, 10)]
    assert intersect([(0, 5), (8, 10)], [(4, 9)]) == [(4, 5), (8, 9)]


def test_gaps_are_what_was_attended_and_not_recorded() -> None:
    gaps = recording_gaps(
        attended={"a": [(0, 60_000)], "b": [(10_000, 20_000)], "c": [(0, 1000)]},
        recorded={"a": [(0, 20_000), (21_000, 30_000), (45_000, 60_000)]},
        paused=[(30_000, 40_000)],
    )
    assert gaps == [
        Gap("a", 30_000, 40_000, SECRET_SESSION),
        Gap("a", 40_000, 45_000, NOT_RECORDED),  # 20-21 s is under the tolerance
        Gap("b", 10_000, 20_000, NOT_RECORDED),
    ]  # c: one second unrecorded is jitter, not a gap


def test_nothing_attended_means_no_gap() -> None:
    assert recording_gaps(attended={}, recorded={"a": [(0, 5)]}, paused=[]) == []


def test_durations() -> None:
    assert Gap("a", 1_000, 4_500, NOT_RECORDED).duration_ms == 3_500
    assert total_ms([(0, 10), (5, 20), (30, 31)]) == 21
