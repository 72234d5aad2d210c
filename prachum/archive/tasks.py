"""Background work of the archive app (run by the worker)."""

from __future__ import annotations

from django_tasks import task

from prachum.archive.package import run_package_build
from prachum.archive.recordings import process_recordings


@task()
def build_evidence_package(package_id: str) -> str:
    package = run_package_build(package_id=package_id)
    return str(package.sha256)


@task()
def process_meeting_recordings(meeting_id: str) -> str:
    """After close: convert, mix, hash and seal the meeting's recordings (ADR 0012)."""
    return process_recordings(meeting_id=meeting_id).state
