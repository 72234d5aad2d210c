"""The configured media server: ``settings.MEDIA_SERVER`` names its class.

Like Django's e-mail and session backends: the class is imported from a dotted path
and built by its ``from_settings()``; the instance is kept until a ``MEDIA_SERVER``
or ``JANUS_*`` setting changes (tests).
"""

from __future__ import annotations

import threading
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from prachum.media.protocol import MediaServer

_lock = threading.Lock()
_cache: dict[str, MediaServer] = {}


def get_media_server() -> MediaServer:
    path = settings.MEDIA_SERVER
    with _lock:
        server = _cache.get(path)
        if server is None:
            server = cast(MediaServer, import_string(path).from_settings())
            _cache[path] = server
        return server


@receiver(setting_changed)
def _forget_server(*, setting: str, **kwargs: Any) -> None:
    if setting == "MEDIA_SERVER" or setting.startswith("JANUS_"):
        with _lock:
            _cache.clear()
