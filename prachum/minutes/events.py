"""Kinds of the evidence events the minutes app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class MinutesEvent(EventKind):
    MINUTES_DRAFTED = "minutes.drafted"
    MINUTES_EDITED = "minutes.edited"
    MINUTES_CORRECTED = "minutes.corrected"
    MINUTES_APPROVAL_RECORDED = "minutes.approval_recorded"
    MINUTES_APPROVED = "minutes.approved"
    MEETING_PRESIDING_DESIGNATED = "meeting.presiding_designated"
