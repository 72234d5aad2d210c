"""The worker's task that asks the TSA to stamp a seal, and its retries (ADR 0021)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_tasks import task

from prachum.archive.timestamps import retry_delay, stamp_seal


def retry_later(seal_id: int, attempt: int) -> None:
    """Queue the next attempt, later; a backend that cannot defer leaves it to
    ``manage.py stamp_seals``."""
    if not stamp_seal_task.get_backend().supports_defer:
        return
    stamp_seal_task.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(
        seal_id, attempt
    )


@task()
def stamp_seal_task(seal_id: int, attempt: int) -> str:
    return stamp_seal(seal_id=seal_id, attempt=attempt, retry=retry_later)


def queue_stamp(*, seal_id: int, **kwargs: Any) -> None:
    """Receiver of :data:`prachum.evidence.timestamps.stamp_requested` (after commit)."""
    stamp_seal_task.enqueue(seal_id, 1)
