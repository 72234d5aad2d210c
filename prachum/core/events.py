"""Publish real-time events only after the transaction that caused them commits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    def _send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            # ``group`` lets a process-wide subscriber (``prachum.realtime.hub``)
            # tell its rooms apart.
            async_to_sync(layer.group_send)(
                group, {"type": "room.event", "group": group, "event": event}
            )

    transaction.on_commit(_send)
