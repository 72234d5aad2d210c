"""The agency's Ed25519 signing key: generated at first use into var/secrets, never committed."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

from prachum.verify.signing import fingerprint, public_key_pem


def _key_path() -> Path:
    return Path(settings.SIGNING_KEY_FILE)


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


@lru_cache(maxsize=4)
def _cached(path: str) -> Ed25519PrivateKey:
    return _load_or_create(Path(path))


def signing_key() -> Ed25519PrivateKey:
    return _cached(str(_key_path()))


def verify_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def verify_key_pem() -> bytes:
    return public_key_pem(verify_key())


def verify_key_fingerprint() -> str:
    return fingerprint(verify_key())
