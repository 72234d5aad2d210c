"""What Prachum writes in var/ is its own: files 0600, folders 0700 (issue 15, F4)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection

from prachum.core.mail import deliver_raw


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_f4_the_processes_create_private_files_by_default() -> None:
    current = os.umask(0o077)
    os.umask(current)
    assert current == 0o077


def test_f4_a_mail_in_the_outbox_is_private(
    settings: Any, tmp_path: Path, loose_umask: None
) -> None:
    settings.EMAIL_URL = ""
    settings.EMAIL_OUTBOX_DIR = tmp_path / "var" / "outbox"
    deliver_raw(
        sender="prachum@example.go.th",
        recipients=["member1@example.go.th"],
        raw=b"Subject: code\r\n\r\n123456\r\n",
    )
    outbox = tmp_path / "var" / "outbox"
    assert _mode(outbox) == 0o700
    (mail,) = outbox.glob("*.eml")
    assert _mode(mail) == 0o600


def test_f4_an_existing_loose_outbox_is_tightened(
    settings: Any, tmp_path: Path, loose_umask: None
) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    settings.EMAIL_URL = ""
    settings.EMAIL_OUTBOX_DIR = outbox
    deliver_raw(sender="a@example.go.th", recipients=["b@example.go.th"], raw=b"x")
    assert _mode(outbox) == 0o700


def test_f4_the_sqlite_file_is_prepared_private(
    tmp_path: Path, loose_umask: None
) -> None:
    from prachum.core.private_files import prepare_sqlite_file

    fresh = prepare_sqlite_file(tmp_path / "var" / "prachum.sqlite3")
    assert _mode(fresh) == 0o600
    assert _mode(fresh.parent) == 0o700
    old = tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    prepare_sqlite_file(old)
    assert _mode(old) == 0o600


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_f4_the_database_file_is_private() -> None:
    name = connection.settings_dict["NAME"]
    if name == ":memory:" or "mode=memory" in str(name):
        pytest.skip("an in-memory database has no file")
    assert _mode(Path(name)) == 0o600


def test_f4_uploaded_documents_are_private(
    settings: Any, tmp_path: Path, loose_umask: None
) -> None:
    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("documents/ab/paper.pdf", ContentFile(b"%PDF-1.4"))
    path = Path(storage.path(name))
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_f4_private_writes_stay_private_under_a_loose_umask(
    tmp_path: Path, loose_umask: None
) -> None:
    from prachum.core.private_files import write_private_text

    path = write_private_text(tmp_path / "secrets" / "demo-logins.txt", "admin")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
