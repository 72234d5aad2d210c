"""The worker's task that asks the TSA to stamp a seal (ADR 0021)."""

from __future__ import annotations

from django_tasks import task

from prachum.archive.timestamps import stamp_seal


@task()
def stamp_seal_task(seal_id: int, attempt: int) -> str:
    return stamp_seal(seal_id=seal_id, attempt=attempt)
