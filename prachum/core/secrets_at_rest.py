"""Secrets stored in the database are encrypted with a field key kept outside it (F4).

A person's TOTP secret lets anyone who reads it produce their codes, so a copy of the
database (a backup, a stolen disk, ``select totp_secret from accounts_user``) must not
give it away. Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the
``cryptography`` library) under a *field key* that lives outside the database:

- ``FIELD_ENCRYPTION_KEYS``: Fernet keys, comma-separated, newest first; or else
- the file ``FIELD_ENCRYPTION_KEYS_FILE`` (default ``var/secrets/field-keys``), one key
  a line, newest first, generated with one key (mode 0600) on first use.

The first key encrypts; every key listed decrypts, so a rotation adds a new key in
front, re-encrypts (``manage.py rotate_field_key``) and only then drops the old one
(ADR 0018). A stored value reads ``fernet:<key id>:<token>``: the key id (the start of
the key's SHA-256) names the key needed, so a missing key is a clear error, never a
silent failure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from prachum.core.private_files import private_dir, private_opener

PREFIX = "fernet"
_SEPARATOR = ":"


class FieldKeyError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the keys this installation has."""


def key_id(key: str) -> str:
    """Eight hex digits naming a key without revealing it (the start of its SHA-256)."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:8]


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _checked(key: str, source: str) -> str:
    key = key.strip()
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{source} holds a field key that is not a Fernet key (32 bytes in "
            "url-safe base64); make one with `manage.py rotate_field_key --new-key`"
        )
    return key


@dataclass(frozen=True)
class Keyring:
    """The field keys, newest (the one that encrypts) first."""

    keys: tuple[str, ...]
    source: str

    @property
    def primary_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def ids(self) -> list[str]:
        return [key_id(k) for k in self.keys]

    def fernet(self, wanted: str) -> Fernet | None:
        for key in self.keys:
            if key_id(key) == wanted:
                return Fernet(key.encode("ascii"))
        return None


def keys_file() -> Path:
    return Path(settings.FIELD_ENCRYPTION_KEYS_FILE)


def read_keys_file(path: Path) -> list[str]:
    lines = path.read_text(encoding="ascii").splitlines()
    return [
        _checked(line, str(path))
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def write_keys_file(path: Path, keys: list[str]) -> None:
    """Replace the key file at once (a crash leaves the old file or the new one)."""
    private_dir(path.parent)
    partial = path.with_name(path.name + ".part")
    text = (
        "# Prachum field keys (Fernet), newest first. Back this file up, apart "
        "from the database backups (ADR 0018).\n" + "".join(f"{k}\n" for k in keys)
    )
    with open(partial, "w", encoding="ascii", opener=private_opener) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


_cache: dict[tuple[Any, ...], Keyring] = {}


def keyring() -> Keyring:
    """The keys in force; the key file is read again whenever it changes on disk.

    Re-reading on change lets a running web process pick up a rotation made by the
    command in another process without a restart.
    """
    configured = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ())
    if configured:
        cache_key: tuple[Any, ...] = ("env", configured)
        if cache_key not in _cache:
            keys = tuple(_checked(k, "FIELD_ENCRYPTION_KEYS") for k in configured)
            _cache[cache_key] = Keyring(keys=keys, source="FIELD_ENCRYPTION_KEYS")
        return _cache[cache_key]
    path = keys_file()
    if not path.exists():
        try:
            private_dir(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(f"{new_key()}\n")
    stat = path.stat()
    cache_key = ("file", str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if cache_key not in _cache:
        keys = tuple(read_keys_file(path))
        if not keys:
            raise ImproperlyConfigured(f"{path} holds no field key")
        _cache.clear()
        _cache[cache_key] = Keyring(keys=keys, source=str(path))
    return _cache[cache_key]


def encrypt(plain: str) -> str:
    ring = keyring()
    token = Fernet(ring.keys[0].encode("ascii")).encrypt(plain.encode("utf-8"))
    return _SEPARATOR.join((PREFIX, ring.primary_id, token.decode("ascii")))


def stored_key_id(stored: str) -> str | None:
    """The id of the key a stored value was encrypted with (``None``: not encrypted)."""
    parts = stored.split(_SEPARATOR, 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    return parts[1]


def decrypt(stored: str, *, what: str = "a stored secret") -> str:
    """The plain text of ``stored``; :class:`FieldKeyError` when it cannot be read."""
    wanted = stored_key_id(stored)
    ring = keyring()
    if wanted is None:
        raise FieldKeyError(
            f"{what} is not encrypted (it lacks the '{PREFIX}:' prefix): run "
            "`manage.py migrate`, which encrypts secrets stored in plain text"
        )
    fernet = ring.fernet(wanted)
    if fernet is None:
        raise FieldKeyError(
            f"{what} was encrypted with field key {wanted}, which is not among the "
            f"keys in {ring.source} ({', '.join(ring.ids)}): restore that key from "
            "the backup of the key file (a rotation keeps the old key until every "
            "secret is re-encrypted)"
        )
    token = stored.split(_SEPARATOR, 2)[2]
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise FieldKeyError(
            f"{what} does not decrypt with field key {wanted} from {ring.source}: "
            "the stored value was altered, or the key file holds a different key "
            "under that id"
        ) from exc


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A text column holding ``fernet:<key id>:<token>``; Python sees the plain text.

    The empty string is stored as it is, so ``filter(field="")`` still works; any
    other lookup compares with the ciphertext and is meaningless.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return decrypt(value, what=f"{self.model.__name__}.{self.name}")

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)
        if not value:
            return value
        return encrypt(str(value))
