"""Kinds of the evidence events the evidence app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class EvidenceChainEvent(EventKind):
    EVIDENCE_PACKAGE_DOWNLOADED = (
        "evidence.package_downloaded",
        _("Evidence package downloaded"),
    )
    EVIDENCE_SEALED = "evidence.sealed", _("Evidence sealed")
    EVIDENCE_SEAL_TIMESTAMPED = (
        "evidence.seal_timestamped",
        _("Seal time-stamped by the Time-Stamping Authority"),
    )
