"""Asking the worker for a meeting's package or the processing of its recordings."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.archive.error_codes import ArchiveError
from prachum.archive.events import ArchiveEvent
from prachum.archive.recordings import recording_status
from prachum.archive.tasks import build_evidence_package, process_meeting_recordings
from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceChain, EvidencePackage
from prachum.evidence.services import append_event


def request_package(*, actor: Actor, meeting: Any) -> Any:
    """Queue the build of a meeting's evidence package (built by the worker).

    Refused while the recordings are being processed: the package holds them (ADR 0012).
    """
    status = recording_status(meeting=meeting)
    if status.blocks_package:
        raise ServiceError(ArchiveError.RECORDINGS_PENDING, status.label)
    with transaction.atomic():
        chain = EvidenceChain.objects.get(key=meeting.chain_key)
        package = EvidencePackage.objects.create(
            chain=chain,
            subject_id=meeting.pk,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=ArchiveEvent.EVIDENCE_PACKAGE_REQUESTED,
            actor=actor,
            payload={"package": str(package.pk)},
        )
        package_id = str(package.pk)
        transaction.on_commit(lambda: _enqueue_build(package_id))
    return package


def _enqueue_build(package_id: str) -> None:
    build_evidence_package.enqueue(package_id)


def queue_recordings(*, meeting_id: str, **kwargs: Any) -> None:
    """Receiver of :data:`prachum.evidence.recordings.processing_requested`: sent after
    the closing transaction commits, so the worker may start now."""
    process_meeting_recordings.enqueue(meeting_id)
