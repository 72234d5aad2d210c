"""Publish real-time events only after the transaction that caused them commits."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


class EventKind(StrEnum):
    """The kind of an evidence event, and the ``type`` of the room event published for it.

    No members here: each app lists its own in ``<app>/events.py`` (a subclass), so a
    mistyped kind is a type error. Members are ``str``: canonical JSON, the stored
    ``kind`` column and the chain's hashes see exactly the same bytes as before.
    """


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
