"""Kinds of the evidence events the attendance app records itself (leave of absence)."""

from __future__ import annotations

from prachum.core.events import EventKind


class AttendanceEvent(EventKind):
    ABSENCE_RECORDED = "absence.recorded"
    ABSENCE_WITHDRAWN = "absence.withdrawn"
