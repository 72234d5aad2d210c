"""Stable refusal codes of the attendance app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class AttendanceError(ErrorCode):
    ABSENCE_ALREADY_RECORDED = "ABSENCE_ALREADY_RECORDED"
    ABSENCE_MEETING_OVER = "ABSENCE_MEETING_OVER"
    ABSENCE_NOT_A_MEMBER = "ABSENCE_NOT_A_MEMBER"
    ABSENCE_WITHDRAWN = "ABSENCE_WITHDRAWN"
    BAD_LOCATION = "BAD_LOCATION"
    LEGACY_OUTSIDE_KINGDOM = "LEGACY_OUTSIDE_KINGDOM"
    NO_ROOM = "NO_ROOM"
    REMOVED = "REMOVED"
    ROOM_NOT_AVAILABLE = "ROOM_NOT_AVAILABLE"
    ROOM_ONLY = "ROOM_ONLY"
