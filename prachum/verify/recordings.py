"""The recordings as the evidence chain records them (R31): pure functions of the events.

The worker appends one ``recording.processed`` event per converted file, one
``recording.mixed`` for the meeting's mixed audio timeline and one ``recording.gap`` per
gap (ADR 0012). ``recordings/index.json`` in the package is :func:`build_index` of the
events, and the gaps are :func:`expected_gaps` of the attendance and recording events:
the offline verifier recomputes both; the package builder uses the same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prachum.domain.recordings import Interval, recording_gaps, total_ms

INDEX = "recordings/index.json"
INDEX_FORMAT = "prachum-recordings/1"

PROCESSED = "recording.processed"
MIXED = "recording.mixed"
GAP = "recording.gap"
UNREADABLE = "recording.unreadable"
STARTED = "recording.processing_started"
FINISHED = "recording.processing_finished"
FAILED = "recording.processing_failed"

#: Recording stopped and resumed by the media hooks; only a stop for a secret session
#: (R32) is on purpose — a stop because the media server died is a gap like any other.
STOPPED = "media.recording_stopped"
RESUMED = "media.recording_resumed"
ON_PURPOSE = "secret_session"

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_ms(value: str) -> int:
    return (dt.datetime.fromisoformat(value) - _EPOCH) // dt.timedelta(milliseconds=1)


def from_ms(value: int) -> str:
    return (_EPOCH + dt.timedelta(milliseconds=value)).isoformat()


def _bodies(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e.get("body", e) for e in events]


def last_run(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bodies of the last finished post-processing run (from its start event)."""
    bodies = _bodies(events)
    start = None
    for index, body in enumerate(bodies):
        if body["kind"] == STARTED:
            start = index
    if start is None:
        return []
    run = []
    for body in bodies[start + 1 :]:
        if body["kind"] in {PROCESSED, MIXED, GAP, UNREADABLE, FINISHED}:
            run.append(body)
        if body["kind"] in {FINISHED, FAILED}:
            break
    return run


def attended_intervals(events: list[dict[str, Any]]) -> dict[str, list[Interval]]:
    """Each user's connected intervals while the meeting was open, from
    ``attendance.joined``/``left`` and the events that close connections (close,
    removal, a secret item's entry rule). Time in the waiting room before the opening
    is not meeting time: nothing is recorded then."""
    opened: dict[str, tuple[str, int]] = {}
    intervals: dict[str, list[Interval]] = {}
    meeting_opened: int | None = None
    for body in _bodies(events):
        kind, payload = body["kind"], body["payload"]
        if kind == "meeting.opened" and meeting_opened is None:
            meeting_opened = to_ms(body["at"])
        if kind == "attendance.joined":
            opened[payload["connection"]] = (payload["user"], to_ms(payload["at"]))
            continue
        if kind == "attendance.left":
            ended = {payload["connection"]: to_ms(payload["at"])}
        elif kind in {"meeting.closed", "participant.removed", "agenda.item_started"}:
            at = to_ms(body["at"])
            ended = dict.fromkeys(payload.get("connections_closed", []), at)
        else:
            continue
        for connection, at in ended.items():
            if connection in opened:
                user, start = opened.pop(connection)
                if meeting_opened is not None:
                    start = max(start, meeting_opened)
                    intervals.setdefault(user, []).append((start, max(start, at)))
    return {user: spans for user, spans in intervals.items() if total_ms(spans)}


def paused_spans(events: list[dict[str, Any]]) -> list[Interval]:
    """Spans in which recording was stopped on purpose: a secret item (R32) or an
    explicit stop, until the next open item, an explicit resume or the close."""
    spans: list[Interval] = []
    since: int | None = None
    for body in _bodies(events):
        kind, payload = body["kind"], body["payload"]
        at = to_ms(body["at"])
        pause = (kind == "agenda.item_started" and payload.get("is_secret")) or (
            kind == STOPPED and payload.get("reason") == ON_PURPOSE
        )
        resume = (kind == "agenda.item_started" and not payload.get("is_secret")) or (
            kind == RESUMED and payload.get("reason") == ON_PURPOSE
        )
        if pause and since is None:
            since = at
        elif (resume or kind == "meeting.closed") and since is not None:
            spans.append((since, at))
            since = None
    return spans


def segment_interval(payload: dict[str, Any]) -> Interval:
    start = int(payload["started_us"]) // 1000
    return (start, start + int(payload["duration_ms"]))


def expected_gaps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gaps the record implies, as ``recording.gap`` payloads."""
    recorded: dict[str, list[Interval]] = {}
    for body in last_run(events):
        payload = body["payload"]
        if body["kind"] == PROCESSED and payload["kind"] == "audio" and payload["user"]:
            recorded.setdefault(payload["user"], []).append(segment_interval(payload))
    gaps = recording_gaps(
        attended=attended_intervals(events),
        recorded=recorded,
        paused=paused_spans(events),
    )
    return [
        {
            "user": g.user,
            "start": from_ms(g.start_ms),
            "end": from_ms(g.end_ms),
            "duration_ms": g.duration_ms,
            "reason": g.reason,
        }
        for g in gaps
    ]


def build_index(events: list[dict[str, Any]]) -> dict[str, Any]:
    """``recordings/index.json``: per participant their segments (start, duration,
    SHA-256), the mixed timeline and the gaps, all read from the events."""
    participants: dict[str, list[dict[str, Any]]] = {}
    unattributed: list[dict[str, Any]] = []
    mixed = None
    gaps: list[dict[str, Any]] = []
    unreadable: list[dict[str, Any]] = []
    for body in last_run(events):
        payload = body["payload"]
        if body["kind"] == PROCESSED:
            segment = {
                key: payload[key]
                for key in (
                    "path",
                    "source",
                    "source_sha256",
                    "kind",
                    "room",
                    "participant",
                    "started_at",
                    "started_us",
                    "duration_ms",
                    "sha256",
                    "size",
                    "recovered",
                )
            }
            if payload["user"]:
                participants.setdefault(payload["user"], []).append(segment)
            else:
                unattributed.append(segment)
        elif body["kind"] == MIXED:
            mixed = dict(payload)
        elif body["kind"] == GAP:
            gaps.append(dict(payload))
        elif body["kind"] == UNREADABLE:
            unreadable.append(dict(payload))
    return {
        "format": INDEX_FORMAT,
        "participants": [
            {
                "user": user,
                "segments": segments,
                "audio_ms": sum(
                    s["duration_ms"] for s in segments if s["kind"] == "audio"
                ),
            }
            for user, segments in sorted(participants.items())
        ],
        "unattributed": unattributed,
        "mixed": mixed,
        "gaps": gaps,
        "unreadable": unreadable,
    }


def recorded_files(events: list[dict[str, Any]]) -> dict[str, str]:
    """Path in the package → SHA-256 as recorded in the chain."""
    return {
        body["payload"]["path"]: body["payload"]["sha256"]
        for body in last_run(events)
        if body["kind"] in {PROCESSED, MIXED}
    }
