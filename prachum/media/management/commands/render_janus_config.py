"""Render Janus's configuration from deploy/janus/*.jcfg.tmpl into var/janus/etc/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prachum.media.config import JanusConfig, RecordingsDirProtectedError, write


class Command(BaseCommand):
    help = "Render Janus's configuration (JANUS_* settings) into var/janus/etc/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config-dir", type=Path, help="default: JANUS_CONFIG_DIR")
        parser.add_argument("--recordings-dir", type=Path)
        parser.add_argument("--events-url", help="where Janus posts its events")
        parser.add_argument("--http-port", type=int)
        parser.add_argument("--admin-port", type=int)
        parser.add_argument("--ws-port", type=int)
        parser.add_argument("--rtp-ports", help="e.g. 20000-20999")
        parser.add_argument("--interface", help="the address Janus puts in its SDP")
        parser.add_argument("--ice-enforce-list", help="interfaces/addresses for ICE")
        parser.add_argument("--debug-level", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        names = {
            "config_dir": "config_dir",
            "recordings_dir": "recordings_dir",
            "events_url": "events_url",
            "http_port": "http_port",
            "admin_port": "admin_port",
            "ws_port": "ws_port",
            "rtp_ports": "rtp_ports",
            "interface": "interface",
            "ice_enforce_list": "ice_enforce_list",
            "debug_level": "debug_level",
        }
        overrides = {
            field: options[option]
            for option, field in names.items()
            if options.get(option) is not None
        }
        try:
            config = JanusConfig.from_settings(**overrides)
            written = write(config)
        except (RecordingsDirProtectedError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for path in written:
            self.stdout.write(str(path))
        if options["verbosity"] > 1:
            self.stdout.write(f"recordings: {config.recordings_dir}")
