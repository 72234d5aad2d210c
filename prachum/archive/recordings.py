"""The meeting's recordings in the evidence chain and in the package (R31; ADR 0012).

After close (:func:`prachum.evidence.recordings.schedule_processing`) the worker
converts the meeting's ``.mjr`` files (:mod:`prachum.media.postprocess`), then in one
transaction appends a ``recording.processed`` event per file, one ``recording.mixed``,
one ``recording.gap`` per gap, ``recording.processing_finished`` — and seals the chain
again, so the recordings are covered by a signature like the rest of the record. The
evidence package waits for this (the meeting page says "processing the recordings").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prachum.archive.events import ArchiveEvent
from prachum.attendance.models import Incident, IncidentKind
from prachum.evidence.package import json_bytes
from prachum.evidence.recordings import postprocess_enabled
from prachum.evidence.sealing import seal_chain
from prachum.evidence.selectors import list_events
from prachum.evidence.services import append_event
from prachum.media import postprocess
from prachum.media.services import recordings_dir_for
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room.events import RoomEvent
from prachum.verify import recordings as record

PACKAGE_DIR = "recordings"

NOT_EXPECTED = "not_expected"
PENDING = "pending"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"

STATE_LABELS = {
    NOT_EXPECTED: _("No recordings to process"),
    PENDING: _("Processing the recordings"),
    PROCESSING: _("Processing the recordings"),
    DONE: _("Recordings processed"),
    FAILED: _("Processing the recordings failed"),
}


@dataclass(frozen=True)
class RecordingStatus:
    state: str
    detail: str = ""

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def blocks_package(self) -> bool:
        return self.state in {PENDING, PROCESSING}


def recording_status(*, meeting: Any) -> RecordingStatus:
    """Where post-processing stands for a meeting, read from its chain."""
    last = (
        list_events(chain_key=meeting.chain_key)
        .filter(kind__in=[record.STARTED, record.FINISHED, record.FAILED])
        .order_by("-seq")
        .first()
    )
    if last is None:
        if meeting.status == MeetingStatus.CLOSED and postprocess_enabled():
            return RecordingStatus(PENDING)
        return RecordingStatus(NOT_EXPECTED)
    if last.kind == record.FINISHED:
        return RecordingStatus(DONE)
    if last.kind == record.FAILED:
        return RecordingStatus(FAILED, str(last.payload.get("reason", "")))
    return RecordingStatus(PROCESSING)


def _event_bodies(chain_key: str) -> list[dict[str, Any]]:
    return [e.body() for e in list_events(chain_key=chain_key).iterator()]


def _origin_us(bodies: list[dict[str, Any]], result: postprocess.Result) -> int:
    for body in bodies:
        if body["kind"] == RoomEvent.MEETING_OPENED:
            return record.to_ms(body["at"]) * 1000
    if result.segments:
        return min(s.started_us for s in result.segments)
    return 0


def _package_path(segment: postprocess.Segment) -> str:
    return f"{PACKAGE_DIR}/{segment.user or 'unattributed'}/{segment.output.name}"


def _record_failure(meeting: Any, reason: str) -> None:
    with transaction.atomic():
        append_event(
            chain_key=meeting.chain_key,
            kind=ArchiveEvent.RECORDING_FAILED,
            actor=None,
            payload={"reason": reason[:500]},
        )
        description = f"recordings not processed: {reason[:400]}"
        incident = Incident.objects.create(
            meeting=meeting,
            kind=IncidentKind.OTHER,
            description=description,
            at=timezone.now(),
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=RoomEvent.INCIDENT_RECORDED,
            actor=None,
            payload={
                "incident": str(incident.id),
                "kind": IncidentKind.OTHER,
                "subject": None,
                "description": description,
            },
        )


def process_recordings(*, meeting_id: str) -> RecordingStatus:
    """Convert, mix, hash and record the meeting's recordings, then seal again.

    Idempotent once finished. On a missing tool or a failed mix the failure is an event
    and an incident, and the ``.mjr`` files stay where they are for another run.
    """
    meeting = Meeting.objects.get(pk=meeting_id)
    if recording_status(meeting=meeting).state == DONE:
        return RecordingStatus(DONE)
    folder = recordings_dir_for(meeting.pk)
    sources = postprocess.find_sources(folder)
    with transaction.atomic():
        append_event(
            chain_key=meeting.chain_key,
            kind=ArchiveEvent.RECORDING_STARTED,
            actor=None,
            payload={"sources": [p.name for p in sources]},
        )
    try:
        result = postprocess.process_folder(
            folder, server=getattr(settings, "JANUS_SERVER_NAME", None)
        )
        bodies = _event_bodies(meeting.chain_key)
        origin = _origin_us(bodies, result)
        if any(s.kind == "audio" for s in result.segments):
            result.mixed = postprocess.mix_audio(
                result.segments, origin_us=origin, folder=folder
            )
    except postprocess.PostprocessError as exc:
        _record_failure(meeting, str(exc))
        return RecordingStatus(FAILED, str(exc))
    with transaction.atomic():
        for segment in result.segments:
            append_event(
                chain_key=meeting.chain_key,
                kind=ArchiveEvent.RECORDING_PROCESSED,
                actor=None,
                payload={
                    "path": _package_path(segment),
                    "source": segment.source,
                    "source_sha256": segment.source_sha256,
                    "kind": segment.kind,
                    "room": str(segment.room) if segment.room else None,
                    "participant": (
                        str(segment.participant) if segment.participant else None
                    ),
                    "user": segment.user,
                    "started_at": record.from_ms(segment.started_us // 1000),
                    "started_us": segment.started_us,
                    "duration_ms": segment.duration_ms,
                    "sha256": segment.sha256,
                    "size": segment.size,
                    "recovered": segment.recovered,
                },
            )
        for bad in result.unreadable:
            append_event(
                chain_key=meeting.chain_key,
                kind=ArchiveEvent.RECORDING_UNREADABLE,
                actor=None,
                payload={
                    "source": bad.source,
                    "source_sha256": bad.source_sha256,
                    "reason": bad.reason[:500],
                },
            )
        if result.mixed is not None:
            append_event(
                chain_key=meeting.chain_key,
                kind=ArchiveEvent.RECORDING_MIXED,
                actor=None,
                payload={
                    "path": f"{PACKAGE_DIR}/{result.mixed.output.name}",
                    "origin": record.from_ms(result.mixed.origin_us // 1000),
                    "duration_ms": result.mixed.duration_ms,
                    "sha256": result.mixed.sha256,
                    "size": result.mixed.size,
                    "inputs": len(result.mixed.inputs),
                },
            )
        gaps = record.expected_gaps(_event_bodies(meeting.chain_key))
        for gap in gaps:
            append_event(
                chain_key=meeting.chain_key,
                kind=ArchiveEvent.RECORDING_GAP,
                actor=None,
                payload=gap,
            )
        append_event(
            chain_key=meeting.chain_key,
            kind=ArchiveEvent.RECORDING_FINISHED,
            actor=None,
            payload={
                "files": len(result.segments) + (1 if result.mixed else 0),
                "unreadable": len(result.unreadable),
                "gaps": sum(1 for g in gaps if g["reason"] != "secret_session"),
                "paused": sum(1 for g in gaps if g["reason"] == "secret_session"),
            },
        )
        # The recordings join the signed record: a second seal (ADR 0012).
        seal_chain(chain_key=meeting.chain_key, actor=None)
    return RecordingStatus(DONE)


def list_gaps(*, meeting: Any) -> list[dict[str, Any]]:
    """The gaps of the last finished run, for the minutes and the checklist (R31)."""
    index = record.build_index(_event_bodies(meeting.chain_key))
    return list(index["gaps"])


def recording_files(meeting: Any) -> list[tuple[str, bytes | Path]]:
    """Package exporter: every processed file (streamed from disk) and the index."""
    bodies = _event_bodies(meeting.chain_key)
    if not record.last_run(bodies):
        return []
    folder = recordings_dir_for(meeting.pk) / postprocess.PROCESSED_DIR
    files: list[tuple[str, bytes | Path]] = []
    for path in sorted(record.recorded_files(bodies)):
        files.append((path, folder / Path(path).name))
    files.append((record.INDEX, json_bytes(record.build_index(bodies))))
    return files
