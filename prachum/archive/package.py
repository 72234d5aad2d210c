"""Building a meeting's evidence package: every app's files in one signed zip (R33-R36).

Each app contributes files through an ``exports.py`` function listed in
``EXPORTERS``; :func:`prachum.evidence.package.write_package` hashes every file into
``manifest.json``, adds the chain, its seals and the public key, and signs the
manifest with the agency's key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.archive.events import ArchiveEvent
from prachum.evidence.models import EvidenceChain, EvidencePackage
from prachum.evidence.package import Entry, Progress, chain_files, write_package
from prachum.evidence.sealing import seal_chain
from prachum.evidence.selectors import list_events
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.room.events import RoomEvent

#: ``module:function`` returning ``(path, bytes or Path)`` pairs for a meeting; in
#: package order.
EXPORTERS = [
    "prachum.meetings.exports:meeting_files",
    "prachum.notices.exports:notice_files",
    "prachum.attendance.exports:attendance_files",
    "prachum.room.exports:incident_files",
    "prachum.telephony.exports:sip_call_files",
    "prachum.voting.exports:vote_files",
    "prachum.voting.challenge_exports:challenge_files",
    "prachum.minutes.exports:minutes_files",
    "prachum.compliance.exports:compliance_files",
    "prachum.allowances.exports:allowance_files",
    "prachum.archive.recordings:recording_files",
    "prachum.archive.timestamps:timestamp_files",
]


def _exporter(dotted: str) -> Callable[[Any], Iterable[Entry]]:
    module, name = dotted.split(":")
    function: Callable[[Any], Iterable[Entry]] = getattr(import_module(module), name)
    return function


def build_package(package: EvidencePackage, meeting: Any, progress: Progress) -> Path:
    """Write the zip for ``meeting`` and return its path; ``progress(percent, step)``."""
    chain = EvidenceChain.objects.get(pk=package.chain_id)
    files: list[Entry] = []
    progress(5, "events")
    files.extend(chain_files(chain))
    for index, dotted in enumerate(EXPORTERS, start=1):
        progress(5 + 70 * index // (len(EXPORTERS) + 1), dotted.rsplit(":", 1)[-1])
        files.extend(_exporter(dotted)(meeting))
    clock_sync = [
        e.payload.get("clock")
        for e in list_events(chain_key=chain.key).filter(
            kind__in=[RoomEvent.MEETING_OPENED, RoomEvent.MEETING_CLOSED]
        )
    ]
    return write_package(
        package,
        chain=chain,
        meeting_id=meeting.pk,
        files=files,
        clock_sync=clock_sync,
        progress=progress,
    )


def run_package_build(*, package_id: str) -> Any:
    """Build the zip, keeping progress on the row; a failure is recorded, never lost."""
    package = EvidencePackage.objects.get(pk=package_id)
    meeting = Meeting.objects.select_related("committee__agency").get(
        pk=package.subject_id
    )

    def progress(percent: int, step: str) -> None:
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.BUILDING, progress=percent, step=step[:100]
        )

    try:
        path = build_package(package, meeting, progress)
    except Exception as exc:
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        raise
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction.atomic():
        chain = EvidenceChain.objects.get(pk=package.chain_id)
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.READY,
            progress=100,
            step="ready",
            path=str(path),
            sha256=digest,
            size=path.stat().st_size,
            chain_length=chain.length,
            finished_at=timezone.now(),
        )
        append_event(
            chain_key=chain.key,
            kind=ArchiveEvent.EVIDENCE_PACKAGE_BUILT,
            actor=None,
            payload={
                "package": str(package.pk),
                "sha256": digest,
                "chain_length": chain.length,
            },
        )
        # The package's digest joins the signed, time-stamped record (ADR 0021).
        seal_chain(chain_key=chain.key, actor=None)
    return EvidencePackage.objects.get(pk=package.pk)
