"""``manage.py stamp_seals``: ask the TSA now for every seal still without its
time-stamp (after the TSA was unreachable; ADR 0021)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from prachum.archive.timestamps import FAILED, stamp_pending
from prachum.evidence.timestamps import stamping_enabled


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        if not stamping_enabled():
            raise CommandError("TSA_URL is not set")
        counts = stamp_pending()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        if counts.get(FAILED):
            raise CommandError(f"{counts[FAILED]} seal(s) still without a time-stamp")
