"""Kinds of the evidence events the archive app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class ArchiveEvent(EventKind):
    EVIDENCE_PACKAGE_BUILT = "evidence.package_built"
    EVIDENCE_PACKAGE_REQUESTED = "evidence.package_requested"
    # The same strings as prachum.verify.recordings (the offline verifier imports no app).
    RECORDING_PROCESSED = "recording.processed"
    RECORDING_MIXED = "recording.mixed"
    RECORDING_GAP = "recording.gap"
    RECORDING_UNREADABLE = "recording.unreadable"
    RECORDING_STARTED = "recording.processing_started"
    RECORDING_FINISHED = "recording.processing_finished"
    RECORDING_FAILED = "recording.processing_failed"
