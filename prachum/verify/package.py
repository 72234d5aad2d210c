"""Verify an evidence package: file hashes, the signed manifest, the chain and its seals,
then recompute what the record claims from the raw events (R33-R35)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from prachum.domain.hashchain import ChainLink, verify_chain
from prachum.verify import (
    absences,
    allowances,
    chain_facts,
    challenges,
    compliance,
    notices,
    pdf_signatures,
    polls,
    recompute,
    recordings,
    sip_calls,
    timestamps,
    traffic,
)
from prachum.verify import (
    files as file_kinds,
)
from prachum.verify.report import Finding, Report
from prachum.verify.signing import fingerprint, public_key_from_pem, verify

MANIFEST = "manifest.json"
PUBLIC_KEY = "public_key.pem"
EVENTS = "events.jsonl"

#: Files kept in memory for the recomputations; media are only hashed, in chunks.
_IN_MEMORY_LIMIT = 32 << 20
_MEDIA = (".opus", ".webm", ".ogg", ".mjr")


def _hash_member(archive: zipfile.ZipFile, name: str, keep: dict[str, bytes]) -> str:
    """SHA-256 of one member, read in chunks; small non-media files are kept."""
    digest = hashlib.sha256()
    small = archive.getinfo(
        name
    ).file_size <= _IN_MEMORY_LIMIT and not name.lower().endswith(_MEDIA)
    chunks = []
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            if small:
                chunks.append(chunk)
    if small:
        keep[name] = b"".join(chunks)
    return digest.hexdigest()


def _check_recordings(
    events: list[dict[str, Any]], digests: dict[str, str], report: Report
) -> None:
    """Each recording in the package is byte for byte the one hashed into the chain
    (``recording.processed``/``recording.mixed``), and none is missing."""
    try:
        expected = recordings.recorded_files(events)
    except (KeyError, TypeError, ValueError) as exc:
        report.add(Finding("EVENTS_INVALID", EVENTS, detail=str(exc)[:200]))
        return
    for path, sha in sorted(expected.items()):
        if path not in digests:
            report.add(Finding("RECORDING_MISSING", path))
        elif digests[path] != sha:
            report.add(Finding("RECORDING_HASH_MISMATCH", path))
    listed = {
        name
        for name in digests
        if name.startswith("recordings/") and name != recordings.INDEX
    }
    for path in sorted(listed - set(expected)):
        report.add(Finding("RECORDING_NOT_IN_CHAIN", path))
    if expected:
        report.checked.append(f"{len(expected)} recordings match the chain")


Recomputation = Callable[[list[dict[str, Any]], dict[str, bytes], Report], None]
RECOMPUTATIONS: list[Recomputation] = [
    recompute.attendance,
    recompute.identity_checks,
    recompute.votes,
    polls.polls,
    recompute.recordings,
    absences.absences,
    challenges.challenges,
    traffic.traffic_data,
    traffic.incidents,
    sip_calls.sip_calls,
    chain_facts.meeting,
    chain_facts.minutes,
    allowances.allowances,
    compliance.compliance,
]


def _read_events(data: bytes, report: Report) -> list[dict[str, Any]] | None:
    try:
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add(Finding("EVENTS_INVALID", EVENTS, detail=str(exc)[:200]))
        return None


def verify_package(
    path: Path,
    *,
    key_pem: bytes | None = None,
    tsa_pem: bytes | None = None,
    pdf_certs_pem: bytes | None = None,
) -> Report:
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(Finding("NOT_A_PACKAGE", str(path), detail=str(exc)[:200]))
        return report
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            report.add(Finding("MANIFEST_MISSING", MANIFEST))
            return report
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {f["path"]: f for f in manifest["files"]}
        except (ValueError, KeyError, TypeError) as exc:
            report.add(Finding("MANIFEST_INVALID", MANIFEST, detail=str(exc)[:200]))
            return report
        files: dict[str, bytes] = {}
        digests: dict[str, str] = {}
        for name, entry in listed.items():
            if name not in names:
                report.add(Finding("FILE_MISSING", name))
                continue
            digests[name] = _hash_member(archive, name, files)
            if digests[name] != entry.get("sha256"):
                report.add(Finding("FILE_HASH_MISMATCH", name))
        for name in sorted(names - set(listed) - {MANIFEST, PUBLIC_KEY}):
            report.add(Finding("FILE_NOT_IN_MANIFEST", name))
        report.checked.append(f"{len(listed)} files / SHA-256")
        key = _check_signature(
            manifest,
            archive.read(PUBLIC_KEY) if PUBLIC_KEY in names else None,
            key_pem,
            report,
        )
    events = _read_events(files.get(EVENTS, b""), report) if EVENTS in files else None
    if events is None:
        if EVENTS not in files:
            report.add(Finding("FILE_MISSING", EVENTS))
        return report
    _check_chain(events, manifest, key, report)
    _check_recordings(events, digests, report)
    file_kinds.check(events, files, digests, report)
    timestamps.check_timestamps(events, files, report, tsa_pem=tsa_pem)
    pdf_signatures.check_package_pdfs(
        events,
        files,
        report,
        trusted_certs=pdf_signatures.load_certificates(pdf_certs_pem)
        if pdf_certs_pem
        else (),
    )
    if not report.ok:
        return report  # recompute only from a record shown to be intact
    notices.check(events, files, digests, report)
    for recomputation in RECOMPUTATIONS:
        try:
            recomputation(events, files, report)
        except (KeyError, TypeError, ValueError) as exc:
            name = getattr(recomputation, "__name__", "recompute")
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    name,
                    detail=f"unreadable record: {exc}"[:200],
                )
            )
    return report


def _check_signature(
    manifest: dict[str, Any],
    embedded: bytes | None,
    key_pem: bytes | None,
    report: Report,
) -> Ed25519PublicKey | None:
    pem = key_pem or embedded
    if pem is None:
        report.add(Finding("SIGNATURE_INVALID", MANIFEST, detail="no public key"))
        return None
    try:
        key = public_key_from_pem(pem)
    except ValueError as exc:
        report.add(Finding("SIGNATURE_INVALID", PUBLIC_KEY, detail=str(exc)[:200]))
        return None
    if key_pem is None:
        report.add(Finding("KEY_EMBEDDED_ONLY", PUBLIC_KEY, warning=True))
    if fingerprint(key) != manifest.get("key_fingerprint"):
        report.add(Finding("KEY_MISMATCH", MANIFEST, detail=fingerprint(key)))
    body = {k: v for k, v in manifest.items() if k != "signature"}
    if not verify(key, body, str(manifest.get("signature", ""))):
        report.add(Finding("SIGNATURE_INVALID", MANIFEST))
    else:
        report.checked.append(f"manifest signature ({fingerprint(key)})")
    return key


def _check_chain(
    events: list[dict[str, Any]],
    manifest: dict[str, Any],
    key: Ed25519PublicKey | None,
    report: Report,
) -> None:
    links = []
    for line, e in enumerate(events, start=1):
        try:
            links.append(
                ChainLink(
                    seq=e["body"]["seq"],
                    body=e["body"],
                    prev_hash=e["prev_hash"],
                    hash=e["hash"],
                )
            )
        except (KeyError, TypeError):
            report.add(
                Finding(
                    "EVENTS_INVALID", EVENTS, event=line, detail="malformed event line"
                )
            )
            return
    result = verify_chain(links)
    if not result.ok and result.problem is not None:
        report.add(Finding(result.problem.code, EVENTS, event=result.problem.seq))
        return
    chain = manifest.get("chain", {})
    if (result.length, result.head) != (chain.get("length"), chain.get("head")):
        report.add(Finding("CHAIN_HEAD_MISMATCH", EVENTS, event=result.length + 1))
        return
    report.checked.append(f"chain of {result.length} events")
    by_seq = {e["body"]["seq"]: e for e in events}
    for event in events:
        body = event["body"]
        if body["kind"] != "evidence.sealed":
            continue
        statement = body["payload"]["statement"]
        sealed = by_seq.get(statement.get("length"))
        signed = key is not None and verify(
            key, statement, body["payload"].get("signature", "")
        )
        if sealed is None or sealed["hash"] != statement.get("head") or not signed:
            report.add(Finding("SEAL_INVALID", EVENTS, event=body["seq"]))
        else:
            report.checked.append(f"seal of events 1-{statement['length']}")
