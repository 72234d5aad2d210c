"""Kinds of the evidence events the attendance app records itself (leave of absence)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class AttendanceEvent(EventKind):
    ABSENCE_RECORDED = "absence.recorded", _("Leave recorded")
    ABSENCE_WITHDRAWN = "absence.withdrawn", _("Leave withdrawn")
