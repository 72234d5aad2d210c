"""Files and folders Prachum writes under ``var/`` are its own: 0600 files, 0700 folders.

The database, mail in the outbox (login codes), keys, evidence packages, recordings and
the demo logins are readable by anyone with an account on the host unless their modes
say otherwise (issue 15, F4). Two layers: every process sets the umask ``0o077`` when
the settings load (:func:`restrict_umask`), so files made by libraries and
subprocesses (SQLite's journal, ``zipfile``, ``janus-pp-rec``) are private; and the
writers below set the mode explicitly, so a file stays private even where the umask was
changed back.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def restrict_umask() -> int:
    """Make files and folders created from now on private; return the previous umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; tighten it if it exists."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # ``mkdir`` applies the umask and gives parents the default mode: set them here.
    for created in missing:
        os.chmod(created, PRIVATE_DIR_MODE)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_opener(path: str, flags: int) -> int:
    """An ``open(..., opener=)`` that creates the file 0600 and tightens an old one."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (its folder made private) with mode 0600."""
    path = Path(path)
    private_dir(path.parent)
    with open(path, "wb", opener=private_opener) as handle:
        handle.write(data)
    return path


def write_private_text(path: Path, text: str) -> Path:
    return write_private_bytes(path, text.encode("utf-8"))


def prepare_sqlite_file(path: Path) -> Path:
    """Create the SQLite database file 0600 in a 0700 folder before SQLite opens it.

    SQLite gives its journal, WAL and shared-memory files the mode of the database
    file, so they follow. An existing database made with a looser mode is tightened.
    """
    path = Path(path)
    private_dir(path.parent)
    fd = private_opener(str(path), os.O_WRONLY | os.O_CREAT)
    os.close(fd)
    return path
