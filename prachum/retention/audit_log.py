"""The operators' audit log: every change to what the record keeps (R70).

Each change writes one entry in its own transaction; the log is one hash chain like
the evidence chain (:mod:`prachum.evidence.chain`). See
docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

from typing import Any

from prachum.core.actors import Actor
from prachum.retention.models import AUDIT_CHAIN, AUDIT_HEAD, AuditLog


def record_audit(
    *, actor: Actor, action: str, target: str, payload: dict[str, Any]
) -> AuditLog:
    """Append one entry to the audit log; must run inside the change's transaction."""
    return AUDIT_CHAIN.append(
        head=AUDIT_HEAD,
        actor=actor,
        payload=payload,
        caller="record_audit",
        action=action,
        target=target,
    )
