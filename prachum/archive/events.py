"""Kinds of the evidence events the archive app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class ArchiveEvent(EventKind):
    EVIDENCE_PACKAGE_BUILT = "evidence.package_built", _("Evidence package built")
    EVIDENCE_PACKAGE_REQUESTED = (
        "evidence.package_requested",
        _("Evidence package requested"),
    )
    # The same strings as prachum.verify.recordings (the offline verifier imports no app).
    RECORDING_PROCESSED = "recording.processed", _("Recording processed")
    RECORDING_MIXED = "recording.mixed", _("Recording mixed")
    RECORDING_GAP = "recording.gap", _("Gap in the recording")
    RECORDING_UNREADABLE = "recording.unreadable", _("Recording unreadable")
    RECORDING_STARTED = (
        "recording.processing_started",
        _("Recording processing started"),
    )
    RECORDING_FINISHED = (
        "recording.processing_finished",
        _("Recording processing finished"),
    )
    RECORDING_FAILED = "recording.processing_failed", _("Recording processing failed")
