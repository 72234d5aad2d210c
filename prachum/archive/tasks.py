"""Background work of the evidence app (run by the worker)."""

from __future__ import annotations

from django_tasks import task

from prachum.evidence import services


@task()
def build_evidence_package(package_id: str) -> str:
    package = services.run_package_build(package_id=package_id)
    return str(package.sha256)


@task()
def process_meeting_recordings(meeting_id: str) -> str:
    """After close: convert, mix, hash and seal the meeting's recordings (ADR 0012)."""
    from prachum.evidence.recordings import process_recordings

    return process_recordings(meeting_id=meeting_id).state
