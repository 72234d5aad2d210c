"""``manage.py sipgw`` (also ``prachum-sipgw``): the SIP gateway for room systems and
telephones (issue 17). Runs until SIGTERM or SIGINT, then ends every call with a BYE."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from prachum.media.loader import get_audiobridge, get_media_server
from prachum.sipgw.speech import SpeechUnavailableError
from prachum.telephony.gateway import Gateway, sip_config_from_settings


class Command(BaseCommand):
    help = "Run the SIP gateway: room systems and telephones join meetings by PIN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--node",
            default="",
            help="this gateway's name in the record (default: SERVER_NODE + '-sipgw')",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        node = options["node"] or f"{settings.SERVER_NODE}-sipgw"
        try:
            asyncio.run(self._serve(node))
        except (OSError, SpeechUnavailableError) as error:
            raise CommandError(f"the SIP gateway cannot start: {error}") from error

    async def _serve(self, node: str) -> None:
        gateway = Gateway(
            config=sip_config_from_settings(),
            server_node=node,
            audiobridge=get_audiobridge(),
            videoroom=get_media_server(),
        )
        await gateway.start()
        bound = ", ".join(f"{k} {h}:{p}" for k, (h, p) in gateway.sip.bound.items())
        self.stdout.write(f"SIP gateway {node} listening on {bound}", ending="\n")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await gateway.stop()
