"""Ed25519 signatures over canonical JSON, and key fingerprints (ETA B.E. 2544 s.26-28)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from prachum.domain.hashchain import canonical_json


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:`` and the hex SHA-256 of the raw 32-byte key, in groups of four."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return "SHA256:" + " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def sign(key: Ed25519PrivateKey, statement: Mapping[str, Any]) -> str:
    """Base64 signature of the statement's canonical JSON."""
    return base64.b64encode(key.sign(canonical_json(statement))).decode("ascii")


def verify(key: Ed25519PublicKey, statement: Mapping[str, Any], signature: str) -> bool:
    try:
        key.verify(
            base64.b64decode(signature, validate=True), canonical_json(statement)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
