"""Kinds of the evidence events the retention app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class RetentionEvent(EventKind):
    RETENTION_HOLD_PLACED = "retention.hold_placed"
    RETENTION_HOLD_RELEASED = "retention.hold_released"
    RETENTION_TRANSFER_REQUESTED = "retention.transfer_requested"
    RETENTION_PACKAGE_REQUESTED = "retention.package_requested"
    RETENTION_TRAFFIC_DATA_PURGED = "retention.traffic_data_purged"
