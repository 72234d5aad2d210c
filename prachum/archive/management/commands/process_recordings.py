"""``manage.py process_recordings MEETING_ID``: convert, mix, hash and seal a closed
meeting's recordings now (after a failed run, once the tools are installed; ADR 0012)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prachum.archive.recordings import DONE, process_recordings


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("meeting_id")

    def handle(self, *args: Any, **options: Any) -> None:
        status = process_recordings(meeting_id=options["meeting_id"])
        if status.state != DONE:
            raise CommandError(f"{status.state}: {status.detail}")
        self.stdout.write(status.state)
