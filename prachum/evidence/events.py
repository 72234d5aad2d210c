"""Kinds of the evidence events the evidence app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class EvidenceChainEvent(EventKind):
    EVIDENCE_PACKAGE_DOWNLOADED = "evidence.package_downloaded"
    EVIDENCE_SEALED = "evidence.sealed"
