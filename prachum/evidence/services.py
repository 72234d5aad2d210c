"""Appending to the evidence chain. Call inside the transaction of the change recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from prachum.domain.hashchain import GENESIS_HASH, event_hash
from prachum.evidence.models import EvidenceChain, EvidenceEvent


def actor_label(actor: Any) -> str:
    """A stable label for the actor: ``user:<id>`` or ``system``."""
    if actor is None:
        return "system"
    return f"user:{actor.pk}"


def _refuse_floats(value: Any, path: str = "payload") -> None:
    """Floats do not come back unchanged from PostgreSQL's jsonb (``1e16`` returns as
    ``10000000000000000``, ``-0.0`` as ``0``), so their hash could never be checked
    again: record amounts and ratios as strings or integers."""
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; use a string or an integer")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def append_event(
    *, chain_key: str, kind: str, actor: Any, payload: dict[str, Any]
) -> EvidenceEvent:
    """Append one event to ``chain_key``'s chain; must run inside an atomic block.

    The chain's head row is locked so concurrent appends queue rather than fork.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_event must run inside the transaction of the change")
    _refuse_floats(payload)
    chain, _ = EvidenceChain.objects.get_or_create(
        key=chain_key, defaults={"head_hash": GENESIS_HASH}
    )
    chain = EvidenceChain.objects.select_for_update().get(pk=chain.pk)
    event = EvidenceEvent(
        chain=chain,
        seq=chain.length + 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label(actor),
        kind=kind,
        payload=payload,
        prev_hash=chain.head_hash,
    )
    event.hash = event_hash(event.prev_hash, event.body())
    event.save()
    EvidenceChain.objects.filter(pk=chain.pk).update(
        length=event.seq, head_hash=event.hash
    )
    return event


def request_package(*, actor: Any, meeting: Any) -> Any:
    """Queue the build of a meeting's evidence package (built by the worker).

    Refused while the recordings are being processed: the package holds them (ADR 0012).
    """
    from prachum.core.errors import ServiceError
    from prachum.evidence.models import EvidencePackage
    from prachum.evidence.recordings import recording_status

    status = recording_status(meeting=meeting)
    if status.blocks_package:
        raise ServiceError("RECORDINGS_PENDING", status.label)
    with transaction.atomic():
        chain = EvidenceChain.objects.get(key=meeting.chain_key)
        package = EvidencePackage.objects.create(
            chain=chain,
            subject_id=meeting.pk,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        append_event(
            chain_key=meeting.chain_key,
            kind="evidence.package_requested",
            actor=actor,
            payload={"package": str(package.pk)},
        )
        package_id = str(package.pk)
        transaction.on_commit(lambda: _enqueue_build(package_id))
    return package


def _enqueue_build(package_id: str) -> None:
    from prachum.evidence.tasks import build_evidence_package

    build_evidence_package.enqueue(package_id)


def run_package_build(*, package_id: str) -> Any:
    """Build the zip, keeping progress on the row; a failure is recorded, never lost."""
    import hashlib

    from prachum.evidence.models import EvidencePackage
    from prachum.evidence.package import build_package
    from prachum.meetings.models import Meeting

    package = EvidencePackage.objects.get(pk=package_id)
    meeting = Meeting.objects.select_related("committee__agency").get(
        pk=package.subject_id
    )

    def progress(percent: int, step: str) -> None:
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.BUILDING, progress=percent, step=step[:100]
        )

    try:
        path = build_package(package, meeting, progress)
    except Exception as exc:
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.FAILED,
            error=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        raise
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction.atomic():
        chain = EvidenceChain.objects.get(pk=package.chain_id)
        EvidencePackage.objects.filter(pk=package.pk).update(
            status=EvidencePackage.Status.READY,
            progress=100,
            step="ready",
            path=str(path),
            sha256=digest,
            size=path.stat().st_size,
            chain_length=chain.length,
            finished_at=timezone.now(),
        )
        append_event(
            chain_key=chain.key,
            kind="evidence.package_built",
            actor=None,
            payload={
                "package": str(package.pk),
                "sha256": digest,
                "chain_length": chain.length,
            },
        )
    return EvidencePackage.objects.get(pk=package.pk)


def record_package_download(
    *, actor: Any, package: Any, ip_address: str | None
) -> None:
    """Every download of an evidence package is logged in the chain (R41)."""
    with transaction.atomic():
        append_event(
            chain_key=package.chain.key,
            kind="evidence.package_downloaded",
            actor=actor,
            payload={
                "package": str(package.pk),
                "sha256": package.sha256,
                "ip": ip_address,
            },
        )
