"""Kinds of the evidence events the allowances app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class AllowanceEvent(EventKind):
    ALLOWANCES_COMPUTED = "allowances.computed"
    ALLOWANCES_CONFIRMED = "allowances.confirmed"
