"""Writing records to the transfer folder for the Fine Arts Department.

National Archives Act B.E. 2556 s.8: at the end of the retention period the agency
delivers the documents to the Fine Arts Department, which appraises them (s.9). A
meeting's record goes as its signed evidence package; an account chain as a zip of
the same shape (manifest, events, seals, public key), so ``prachum verify`` checks
either offline. Every zip has a JSON note beside it saying what it is and why.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from prachum.evidence import keys
from prachum.evidence.models import EvidenceChain
from prachum.evidence.package import (
    FORMAT,
    MANIFEST,
    PUBLIC_KEY,
    chain_files,
    json_bytes,
)
from prachum.verify.signing import sign


def transfer_dir() -> Path:
    path = Path(settings.RETENTION_TRANSFER_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _publish(partial: Path, target: Path) -> None:
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def copy_package(source: Path, *, name: str, sha256: str) -> Path:
    """Copy a built package into the transfer folder; the copy must hash the same."""
    target = transfer_dir() / name
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(source, partial)
    if sha256_file(partial) != sha256:
        partial.unlink()
        raise ValueError(f"{source} does not match its recorded SHA-256")
    _publish(partial, target)
    return target


def write_note(package: Path, note: dict[str, Any]) -> Path:
    path = package.with_suffix(".json")
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(json_bytes(note))
    _publish(partial, path)
    return path


def write_chain_package(chain: EvidenceChain, *, name: str) -> tuple[Path, str]:
    """A signed zip of a chain that is not a meeting's (an account's login audit)."""
    files = chain_files(chain)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "subject": chain.key,
        "generated_at": timezone.now().isoformat(),
        "chain": {"key": chain.key, "length": chain.length, "head": chain.head_hash},
        "key_fingerprint": keys.verify_key_fingerprint(),
        "files": [
            {
                "path": path,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
            for path, data in files
        ],
    }
    manifest["signature"] = sign(keys.signing_key(), manifest)
    target = transfer_dir() / name
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json_bytes(manifest))
        archive.writestr(PUBLIC_KEY, keys.verify_key_pem())
        for path, data in files:
            archive.writestr(path, data)
    _publish(partial, target)
    return target, sha256_file(target)


def discard(*paths: Path | None) -> None:
    """Remove files written for a transfer that did not happen."""
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)
