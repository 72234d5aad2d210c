"""``manage.py worker``: the background worker (django-tasks' ``db_worker``), after
the apps have finished what a killed worker left behind (``core.signals.worker_starting``:
half-sent notice mail is marked failed, the rest queued again; issue 15 point 10)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from prachum.core.signals import worker_starting


class Command(BaseCommand):
    help = "Run the background worker (notice mail, packages) after recovering from a crash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_starting.send(sender=self.__class__)
        call_command("db_worker", interval=options["interval"])
