"""Gaps in a meeting's recording (Decree B.E. 2563 s.9(4); R31, R32).

The Decree makes the audio (or audio and video) recording of every participant part of
the minutes, except for a session held in secret. A *gap* is a stretch of time in which
a participant was connected to the meeting but no recording of them exists. A stretch
paused on purpose (a secret session) is listed as such and is not a failure.

Times are integer milliseconds since the epoch; intervals are half-open ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: A shorter difference is jitter (connection set-up, packetisation), not a gap: the
#: recording of a participant must match their connected time within 2 s (issue 5).
GAP_TOLERANCE_MS = 2000

NOT_RECORDED = "not_recorded"
SECRET_SESSION = "secret_session"

Interval = tuple[int, int]


@dataclass(frozen=True)
class Gap:
    user: str
    start_ms: int
    end_ms: int
    reason: str  # NOT_RECORDED or SECRET_SESSION

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged, non-empty intervals."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(base: Iterable[Interval], minus: Iterable[Interval]) -> list[Interval]:
    """What of ``base`` is not covered by ``minus``."""
    holes = union(minus)
    out: list[Interval] = []
    for start, end in union(base):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                out.append((cursor, h_start))
            cursor = max(cursor, h_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    left, right = union(a), union(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def total_ms(intervals: Iterable[Interval]) -> int:
    return sum(end - start for start, end in union(intervals))


def recording_gaps(
    *,
    attended: dict[str, list[Interval]],
    recorded: dict[str, list[Interval]],
    paused: list[Interval],
    tolerance_ms: int = GAP_TOLERANCE_MS,
) -> list[Gap]:
    """Every stretch a participant attended without being recorded (R31).

    ``attended``: each user's connected intervals (or media-presence intervals where
    they are kept); ``recorded``: each user's recorded segments placed at their real
    start; ``paused``: the spans recording was stopped on purpose (secret sessions),
    reported as ``secret_session``, never as failures. A hole shorter than
    ``tolerance_ms`` is not a gap. Ordered by user, then start.
    """
    gaps: list[Gap] = []
    for user in sorted(attended):
        present = union(attended[user])
        for start, end in intersect(present, paused):
            gaps.append(Gap(user, start, end, SECRET_SESSION))
        missing = subtract(subtract(present, paused), recorded.get(user, []))
        for start, end in missing:
            if end - start >= tolerance_ms:
                gaps.append(Gap(user, start, end, NOT_RECORDED))
    return sorted(gaps, key=lambda g: (g.user, g.start_ms, g.reason))
