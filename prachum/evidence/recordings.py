"""Asking for a closed meeting's recordings to be processed (R31; ADR 0012).

Closing a meeting seals its chain; after commit the worker converts, mixes, hashes and
records the recordings (:mod:`prachum.archive.recordings`). That work reads the meeting
and records incidents, so it sits above the apps that close a meeting: they ask here,
and the archive app, which connects :data:`processing_requested` in its
``AppConfig.ready()``, queues the worker.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

#: Sent once the closing transaction has committed; ``meeting_id`` (str).
processing_requested = Signal()


def postprocess_enabled() -> bool:
    """``RECORDINGS_POSTPROCESS`` (default: on when Janus is)."""
    return bool(getattr(settings, "RECORDINGS_POSTPROCESS", settings.JANUS_ENABLED))


def schedule_processing(*, meeting_id: Any) -> None:
    """Queue post-processing once the closing transaction commits (if enabled)."""
    if not postprocess_enabled():
        return
    meeting = str(meeting_id)

    def enqueue() -> None:
        processing_requested.send(sender=None, meeting_id=meeting)

    transaction.on_commit(enqueue)
