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


def audiobridge_path() -> str:
    """``settings.AUDIOBRIDGE`` or, by default, the fake when the media server is."""
    path = getattr(settings, "AUDIOBRIDGE", "")
    if path:
        return str(path)
    if settings.MEDIA_SERVER.endswith("FakeMediaServer"):
        return "prachum.media.audiobridge_fake.FakeAudioBridge"
    return "prachum.media.audiobridge.AudioBridge"


def get_audiobridge() -> Any:
    """The configured AudioBridge (``AudioBridge`` or ``FakeAudioBridge``), kept."""
    path = audiobridge_path()
    with _lock:
        bridge = _bridges.get(path)
        if bridge is None:
            bridge = import_string(path).from_settings()
            _bridges[path] = bridge
        return bridge


_bridges: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_server(*, setting: str, **kwargs: Any) -> None:
    if setting in ("MEDIA_SERVER", "AUDIOBRIDGE") or setting.startswith("JANUS_"):
        with _lock:
            _cache.clear()
            _bridges.clear()
