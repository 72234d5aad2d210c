"""Kinds of the evidence events the notices app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class NoticeEvent(EventKind):
    NOTICE_SENT = "notice.sent", _("Notice sent")
    NOTICE_DELIVERED = "notice.delivered", _("Notice delivered")
    NOTICE_DELIVERY_FAILED = "notice.delivery_failed", _("Notice not delivered")
    NOTICE_DELIVERY_RETRIED = "notice.delivery_retried", _("Notice sent again")
    MEETING_RESCHEDULED = "meeting.rescheduled", _("Meeting rescheduled")
    MEETING_CANCELLED = "meeting.cancelled", _("Meeting cancelled")
