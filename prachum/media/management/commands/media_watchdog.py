"""Run the media watchdog in its own process (with a Redis channel layer)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prachum.media.watchdog import MediaWatchdog


class Command(BaseCommand):
    help = "Watch the media server's health and turn Janus's events into signals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=None)
        parser.add_argument("--max-polls", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        MediaWatchdog().run(
            stop, interval=options["interval"], max_polls=options["max_polls"]
        )
