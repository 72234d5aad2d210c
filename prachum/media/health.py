"""Media health for the operator: shown in the UI and the API (``/internal/janus/health``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

from prachum.media.config import (
    DEBIAN_PROTECTED_FOLDERS,
    is_protected,
    read_protected_folders,
)
from prachum.media.loader import get_media_server


def recordings_dir_writable(path: Path) -> bool:
    """The folder exists (or can be made) and this process may write into it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def media_health() -> dict[str, Any]:
    """``enabled``, ``reachable``, ``version``, ``sessions`` and the recordings folder.

    ``recordings_dir_protected`` is true when the folder lies under one of the
    ``protected_folders`` of the rendered ``janus.jcfg`` (Debian's list when nothing is
    rendered): Janus would then record nothing, silently.
    """
    rec_dir = Path(settings.JANUS_RECORDINGS_DIR)
    folders = (
        read_protected_folders(Path(settings.JANUS_CONFIG_DIR) / "janus.jcfg")
        or DEBIAN_PROTECTED_FOLDERS
    )
    server = get_media_server()
    health = server.health()
    return {
        "enabled": bool(settings.JANUS_ENABLED),
        "backend": settings.MEDIA_SERVER,
        "server": server.name,
        "reachable": health.reachable,
        "version": health.version,
        "sessions": health.sessions,
        "error": health.error,
        "recordings_dir": str(rec_dir),
        "recordings_dir_writable": recordings_dir_writable(rec_dir),
        "recordings_dir_protected": is_protected(rec_dir, folders),
    }
