"""Kinds of the evidence events the notices app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class NoticeEvent(EventKind):
    NOTICE_SENT = "notice.sent"
    NOTICE_DELIVERED = "notice.delivered"
    NOTICE_DELIVERY_FAILED = "notice.delivery_failed"
    MEETING_RESCHEDULED = "meeting.rescheduled"
    MEETING_CANCELLED = "meeting.cancelled"
