"""Every file in the package is checked, or says why it cannot be (issue 16 point 1).

Each file kind the package format knows has a status: ``recomputed`` (rebuilt from
the events and compared), ``matches the chain`` (each fact, or the file's hash, is
the one an event recorded) or, only where that is impossible, ``not verifiable``
with the reason. A file of a kind the verifier does not know fails verification
(``FILE_UNKNOWN``): nothing unchecked can ride along in a signed package.

Files named here are checked by the recomputations of :mod:`prachum.verify.package`;
the blobs whose hashes the events hold (documents, seals) are checked here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from prachum.verify.report import Finding, Report

RECOMPUTED = "recomputed"
MATCHES = "matches the chain"
NOT_VERIFIABLE = "not verifiable"

_POLL_FILES = "poll|voters|channels|open_ballots|secret_ballots|paper_batches"
#: (pattern, status, reason) per file kind, first match wins.
KINDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), status, reason)
    for p, status, reason in [
        (r"events\.jsonl", MATCHES, "the chain itself"),
        (r"seals\.json", MATCHES, "the evidence.sealed events"),
        (r"meeting\.json", MATCHES, "meeting and agenda events"),
        (r"documents/[^/]+/v\d+-[0-9a-f]{12}", MATCHES, "document.uploaded"),
        (
            r"notices/[^/]+/(letter\.pdf|invitation\.ics|notice\.json"
            r"|messages/[^/]+\.eml)",
            MATCHES,
            "notice.sent and deliveries",
        ),
        (r"identity_checks\.json", RECOMPUTED, ""),
        (r"traffic_data\.json", RECOMPUTED, ""),
        (r"sip_calls\.json", RECOMPUTED, ""),
        (r"attendance\.json", RECOMPUTED, ""),
        (r"absences\.json", RECOMPUTED, ""),
        (r"incidents\.json", RECOMPUTED, ""),
        (rf"votes/[^/]+/({_POLL_FILES})\.json", RECOMPUTED, ""),
        (r"challenges\.json", RECOMPUTED, ""),
        (r"minutes\.json", MATCHES, "minutes events"),
        (
            r"minutes\.pdf",
            NOT_VERIFIABLE,
            "a rendering of minutes.json; its text is checked there",
        ),
        (r"compliance\.json", MATCHES, "facts the chain holds"),
        (r"allowances/(payment_list\.csv|inputs\.json)", RECOMPUTED, ""),
        (
            r"allowances/payment_list\.pdf",
            NOT_VERIFIABLE,
            "a rendering of payment_list.csv; its lines are checked there",
        ),
        (r"timestamps/seal-\d+\.tsr", MATCHES, "the RFC 3161 token its event holds"),
        (r"timestamps/tsa-chain\.pem", MATCHES, "the TSA certificates kept"),
        (r"recordings/index\.json", RECOMPUTED, ""),
        (r"recordings/.+", MATCHES, "recording.processed/mixed hashes"),
    ]
]


def kind_of(name: str) -> tuple[str, str] | None:
    """(status, reason) of a file kind the verifier knows, or ``None``."""
    for pattern, status, reason in KINDS:
        if pattern.fullmatch(name):
            return status, reason
    return None


def _closed_polls(events: list[dict[str, Any]]) -> set[str]:
    return {
        e["body"]["payload"]["poll"]
        for e in events
        if e["body"]["kind"] == "poll.closed"
    }


def _check_documents(
    events: list[dict[str, Any]], digests: dict[str, str], report: Report
) -> None:
    uploaded = {
        (p["document"], p["version"]): (e["body"]["seq"], p["sha256"])
        for e in events
        if e["body"]["kind"] == "document.uploaded"
        for p in [e["body"]["payload"]]
    }
    path = re.compile(r"documents/(?P<doc>[^/]+)/v(?P<version>\d+)-(?P<sha>[0-9a-f]+)")
    for name in sorted(digests):
        found = path.fullmatch(name)
        if found is None:
            continue
        seq, sha = uploaded.get((found["doc"], int(found["version"])), (None, None))
        if sha is None or digests[name] != sha or not sha.startswith(found["sha"]):
            report.add(Finding("RECOMPUTED_MISMATCH", name, event=seq, detail="sha256"))


def _check_seals(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    if "seals.json" not in files:
        return
    sealed = [
        {"statement": p["statement"], "signature": p["signature"]}
        for e in events
        if e["body"]["kind"] == "evidence.sealed"
        for p in [e["body"]["payload"]]
    ]
    try:
        stored = json.loads(files["seals.json"])
    except ValueError:
        stored = None
    if not isinstance(stored, list) or any(s not in sealed for s in stored):
        report.add(Finding("RECOMPUTED_MISMATCH", "seals.json", detail="seal"))


#: Signed PDFs whose hash the event of their approval holds (ADR 0022).
SIGNED_PDFS = {
    "minutes.pdf": "minutes.approved",
    "allowances/payment_list.pdf": "allowances.confirmed",
}


def _pdf_status(
    events: list[dict[str, Any]], digests: dict[str, str], report: Report
) -> None:
    """A signed PDF whose hash the chain holds matches the chain (its signature is
    checked by :mod:`prachum.verify.pdf_signatures`); otherwise it stays a rendering."""
    for name, kind in SIGNED_PDFS.items():
        hashes = [
            e["body"]["payload"]["pdf_sha256"]
            for e in events
            if e["body"]["kind"] == kind and e["body"]["payload"].get("pdf_sha256")
        ]
        if name in digests and hashes:
            if digests[name] != hashes[-1]:
                report.add(Finding("RECOMPUTED_MISMATCH", name, detail="pdf_sha256"))
            report.files[name] = f"{MATCHES} (signed; its hash is in {kind})"


def _check_tsa_chain(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    kept = [
        p["tsa_certificates"]
        for e in events
        if e["body"]["kind"] == "evidence.seal_timestamped"
        for p in [e["body"]["payload"]]
        if p.get("tsa_certificates")
    ]
    name = "timestamps/tsa-chain.pem"
    if name in files and (not kept or files[name] != kept[-1].encode()):
        report.add(Finding("RECOMPUTED_MISMATCH", name, detail="tsa_certificates"))


def check(
    events: list[dict[str, Any]],
    files: dict[str, bytes],
    digests: dict[str, str],
    report: Report,
) -> None:
    """Refuse unknown files, check the hashed blobs, and list every file's status."""
    closed = _closed_polls(events)
    _check_documents(events, digests, report)
    _check_seals(events, files, report)
    for name in sorted(digests):
        kind = kind_of(name)
        if kind is None:
            report.add(Finding("FILE_UNKNOWN", name))
            report.files[name] = "unknown"
            continue
        status, reason = kind
        poll = re.fullmatch(r"votes/([^/]+)/.+", name)
        if poll is not None and poll[1] not in closed:
            status, reason = NOT_VERIFIABLE, "the poll was never closed"
        report.files[name] = f"{status} ({reason})" if reason else status
    _pdf_status(events, digests, report)
    _check_tsa_chain(events, files, report)
