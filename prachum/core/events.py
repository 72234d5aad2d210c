"""Publish real-time events only after the transaction that caused them commits."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, Self

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


class EventKind(StrEnum):
    """The kind of an evidence event, and the ``type`` of the room event published for it.

    No members here: each app lists its own in ``<app>/events.py`` (a subclass), so a
    mistyped kind is a type error. Members are ``str``: canonical JSON, the stored
    ``kind`` column and the chain's hashes see exactly the same bytes as before.

    Each member carries the label people read (``X = "meeting.opened", _("Meeting
    opened")``): the value is what is stored and hashed, the label is translated at the
    edge (``{{ event.kind|event_label }}``). A member without one shows its value, which
    the Thai-everywhere test refuses.
    """

    _label: Any

    def __new__(cls, value: str, label: Any = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        """The translated label (in the active language)."""
        return str(self._label) if self._label is not None else str(self.value)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            # ``group`` lets a process-wide subscriber (``prachum.realtime.hub``)
            # tell its rooms apart.
            async_to_sync(layer.group_send)(
                group, {"type": "room.event", "group": group, "event": event}
            )
        except Exception:
            # The change is committed and recorded; only its broadcast is lost (the
            # channel layer is away). Pages see the version gap at the next event,
            # and every room resyncs when the layer is back (issue 15 point 10).
            logger.warning(
                "room event %s not published to %s", event.get("type"), group
            )

    transaction.on_commit(_send)


def _kinds(cls: type[EventKind]) -> dict[str, EventKind]:
    found: dict[str, EventKind] = {}
    for sub in cls.__subclasses__():
        found.update({member.value: member for member in sub})
        found.update(_kinds(sub))
    return found


def event_label(kind: str) -> str:
    """The label of a stored event kind in the active language (the kind if unknown)."""
    autodiscover_modules("events")
    member = _kinds(EventKind).get(str(kind))
    return member.label if member is not None else str(kind)
