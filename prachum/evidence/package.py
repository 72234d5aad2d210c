"""Writing a meeting's evidence package: one zip, a signed manifest (R33-R36).

:mod:`prachum.archive.package` gathers the files (the chain, its seals, and what each
app's ``exports.py`` contributes); this module hashes every file into
``manifest.json``, adds the public key, and signs the manifest with the agency's key.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from prachum.core.private_files import private_dir, private_opener
from prachum.evidence import keys
from prachum.evidence.models import EvidenceChain, EvidencePackage
from prachum.evidence.selectors import list_events
from prachum.verify.signing import sign

FORMAT = "prachum-evidence/1"
MANIFEST = "manifest.json"
PUBLIC_KEY = "public_key.pem"

File = tuple[str, bytes]
#: What an exporter may return: a file's content, or a file on disk that is streamed
#: into the zip (large recordings).
Entry = tuple[str, bytes | Path]
Progress = Callable[[int, str], None]


def json_bytes(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, indent=1, sort_keys=True, default=str
    ).encode()


def chain_files(chain: EvidenceChain) -> list[File]:
    """The raw events (one JSON object per line) and the seals of the chain."""
    lines = []
    for event in list_events(chain_key=chain.key).iterator():
        lines.append(
            json.dumps(
                {
                    "body": event.body(),
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                },
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
            )
        )
    seals = [
        {"statement": s.statement, "signature": s.signature}
        for s in chain.seals.order_by("sealed_at")
    ]
    return [
        ("events.jsonl", ("\n".join(lines) + "\n").encode()),
        ("seals.json", json_bytes(seals)),
    ]


def _digest(data: bytes | Path) -> tuple[str, int]:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data)
    digest = hashlib.sha256()
    with data.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), data.stat().st_size


#: Already compressed: stored as they are (deflating them costs time, saves nothing).
_STORED = (".opus", ".webm", ".ogg", ".mp4", ".pdf", ".zip", ".png", ".jpg")


def write_package(
    package: EvidencePackage,
    *,
    chain: EvidenceChain,
    meeting_id: Any,
    files: list[Entry],
    clock_sync: list[Any],
    progress: Progress,
) -> Path:
    """Sign a manifest of ``files`` (the chain's first) and write the zip for the
    meeting; return its path. ``clock_sync``: the clock status recorded when the
    meeting opened and closed (R39). ``progress(percent, step)``."""
    paths = [p for p, _ in files]
    if len(paths) != len(set(paths)):
        raise ValueError("two files in the package have the same path")
    progress(80, "manifest")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "meeting": str(meeting_id),
        "generated_at": timezone.now().isoformat(),
        "chain": {"key": chain.key, "length": chain.length, "head": chain.head_hash},
        "clock_sync": clock_sync,
        "key_fingerprint": keys.verify_key_fingerprint(),
        "files": [],
    }
    for path, data in files:
        digest, size = _digest(data)
        manifest["files"].append({"path": path, "sha256": digest, "size": size})
    manifest["signature"] = sign(keys.signing_key(), manifest)
    out_dir = private_dir(Path(settings.EVIDENCE_PACKAGES_DIR))
    target = out_dir / f"{meeting_id}-{package.pk}.zip"
    partial = target.with_suffix(".zip.part")
    progress(85, "zip")
    with (
        open(partial, "wb", opener=private_opener) as stream,
        zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(MANIFEST, json_bytes(manifest))
        archive.writestr(PUBLIC_KEY, keys.verify_key_pem())
        for path, data in files:
            method = (
                zipfile.ZIP_STORED
                if path.lower().endswith(_STORED)
                else zipfile.ZIP_DEFLATED
            )
            if isinstance(data, bytes):
                archive.writestr(path, data, compress_type=method)
            else:
                archive.write(data, path, compress_type=method)
    partial.rename(target)
    progress(100, "ready")
    return target
