"""Kinds of the evidence events the minutes app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class MinutesEvent(EventKind):
    MINUTES_DRAFTED = "minutes.drafted", _("Minutes drafted")
    MINUTES_EDITED = "minutes.edited", _("Minutes edited")
    MINUTES_CORRECTED = "minutes.corrected", _("Minutes corrected")
    MINUTES_APPROVAL_RECORDED = (
        "minutes.approval_recorded",
        _("Approval of the minutes recorded"),
    )
    MINUTES_APPROVED = "minutes.approved", _("Minutes approved")
    MEETING_PRESIDING_DESIGNATED = (
        "meeting.presiding_designated",
        _("Presiding member designated"),
    )
