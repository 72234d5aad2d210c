"""Kinds of the evidence events the allowances app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class AllowanceEvent(EventKind):
    ALLOWANCES_COMPUTED = "allowances.computed", _("Allowances computed")
    ALLOWANCES_CONFIRMED = "allowances.confirmed", _("Allowances confirmed")
