"""The evidence chain: each event's hash covers the previous hash and its own body.

ARCHITECTURE §5: ``hash = SHA-256(prev_hash ‖ canonical JSON)``. Electronic Transactions
Act B.E. 2544 ss.10-12 asks that an electronic record be shown intact since it was made;
a hash chain shows that no event was changed, removed or re-ordered (R34).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(body: Mapping[str, Any]) -> bytes:
    """Serialise ``body`` deterministically: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """Return the hex SHA-256 of ``prev_hash`` (ASCII hex) then the body's JSON."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_json(body))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """One stored event as the chain sees it."""

    seq: int
    body: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the stored chain disagrees with the recomputation."""

    seq: int
    code: str  # CHAIN_SEQ_GAP | CHAIN_PREV_MISMATCH | CHAIN_HASH_MISMATCH


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    length: int
    head: str
    problem: ChainProblem | None = None


def verify_chain(links: Iterable[ChainLink]) -> ChainReport:
    """Recompute every hash in order and report the first event that does not match.

    ``seq`` must run 1, 2, 3... without gaps; each ``prev_hash`` must equal the hash
    before it (the genesis hash for the first); each ``hash`` must equal the
    recomputation.
    """
    expected_prev = GENESIS_HASH
    count = 0
    for expected_seq, link in enumerate(links, start=1):
        count = expected_seq
        if link.seq != expected_seq:
            return ChainReport(
                False, count, expected_prev, ChainProblem(link.seq, "CHAIN_SEQ_GAP")
            )
        if link.prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                expected_prev,
                ChainProblem(link.seq, "CHAIN_PREV_MISMATCH"),
            )
        if event_hash(link.prev_hash, link.body) != link.hash:
            return ChainReport(
                False,
                count,
                expected_prev,
                ChainProblem(link.seq, "CHAIN_HASH_MISMATCH"),
            )
        expected_prev = link.hash
    return ChainReport(True, count, expected_prev)
