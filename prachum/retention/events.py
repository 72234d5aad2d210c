"""Kinds of the evidence events the retention app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class RetentionEvent(EventKind):
    RETENTION_HOLD_PLACED = "retention.hold_placed", _("Legal hold placed")
    RETENTION_HOLD_RELEASED = "retention.hold_released", _("Legal hold released")
    RETENTION_TRANSFER_REQUESTED = (
        "retention.transfer_requested",
        _("Transfer to the archives requested"),
    )
    RETENTION_PACKAGE_REQUESTED = (
        "retention.package_requested",
        _("Retention package requested"),
    )
    RETENTION_TRAFFIC_DATA_PURGED = (
        "retention.traffic_data_purged",
        _("Traffic data purged"),
    )
