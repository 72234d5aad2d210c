"""Purging records past their retention period (R40, R69, R70).

Every purge, and every refused or failed one, is written to the operators' audit log
in its own transaction; a purge of a meeting's traffic data is also appended to the
meeting's evidence chain. See docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.archive.events import ArchiveEvent
from prachum.archive.package import run_package_build
from prachum.attendance.models import Connection
from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.core.events import EventKind
from prachum.evidence.chain import actor_label
from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EvidenceChain, EvidenceEvent, EvidencePackage, Seal
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.retention import policies, rules, selectors, transfer
from prachum.retention.audit_log import record_audit
from prachum.retention.error_codes import RetentionError
from prachum.retention.events import RetentionEvent
from prachum.retention.models import AuditLog, RecordClass
from prachum.retention.record_graph import (
    RecordGraphError,
    collect_meeting_record,
    delete_meeting_record,
    referencing_tables,
)
from prachum.telephony.models import SipCall

#: Events that may follow the package built for a transfer without changing the record.
AFTER_BUILD = [
    EvidenceChainEvent.EVIDENCE_SEALED,
    EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
]


def record_refusal(
    *, actor: Actor, error: ServiceError, request: dict[str, Any]
) -> AuditLog:
    """A refused purge is an attempted deletion (R70): it is logged, nothing else."""
    with transaction.atomic():
        return record_audit(
            actor=actor,
            action="retention.purge_refused",
            target="purge",
            payload={"code": str(error.code), "message": str(error), **request},
        )


def record_failure(*, actor: Actor, candidate: Any, error: Exception) -> AuditLog:
    with transaction.atomic():
        return record_audit(
            actor=actor,
            action="retention.purge_failed",
            target=candidate.target,
            payload={
                "record_class": candidate.record_class,
                "code": str(getattr(error, "code", type(error).__name__)),
                "error": str(error)[:1000],
            },
        )


def _refuse_if_held(meeting: Meeting) -> None:
    holds = sorted(
        str(pk)
        for pk in selectors.active_holds(meeting=meeting).values_list("pk", flat=True)
    )
    if holds:
        raise ServiceError(
            RetentionError.RECORD_HELD,
            _("The meeting is under a legal hold: %(holds)s")
            % {"holds": ", ".join(holds)},
        )


def _build_package(
    *, actor: Actor, meeting: Meeting, kind: EventKind, payload: dict[str, Any]
) -> EvidencePackage:
    """Build the meeting's evidence package now (the worker's steps, run in-process)."""
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
            kind=kind,
            actor=actor,
            payload={"package": str(package.pk), **payload},
        )
    built: EvidencePackage = run_package_build(package_id=str(package.pk))
    return built


def _delete_chain(chain: EvidenceChain) -> dict[str, Any]:
    """Delete a chain with its events, seals and packages (the head row first: the
    triggers let an event go only once its head is gone; see evidence/0002)."""
    packages = list(EvidencePackage.objects.filter(chain=chain))
    seals = Seal.objects.filter(chain=chain).count()
    EvidencePackage.objects.filter(chain=chain).delete()
    Seal.objects.filter(chain=chain).delete()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(EvidenceChain._meta.db_table)} WHERE id = %s",
            [chain.pk],
        )
        cursor.execute(
            f"DELETE FROM {quote(EvidenceEvent._meta.db_table)} WHERE chain_id = %s",
            [chain.pk],
        )
        events = cursor.rowcount
    return {
        "key": chain.key,
        "length": chain.length,
        "head": chain.head_hash,
        "events": events,
        "seals": seals,
        "packages": sorted(str(p.pk) for p in packages),
        "package_files": sorted(p.path for p in packages if p.path),
    }


def _remove_files(files: list[tuple[Any, str]], paths: list[str]) -> None:
    for storage, name in files:
        storage.delete(name)
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _meeting_note(meeting: Meeting) -> dict[str, Any]:
    committee = meeting.committee
    return {
        "id": str(meeting.pk),
        "title": meeting.title,
        "number": meeting.number_label,
        "committee": {"id": str(committee.pk), "name": committee.name},
        "agency": committee.agency.name,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "status": meeting.status,
    }


def purge_meeting_record(
    *,
    actor: Actor,
    meeting_id: Any,
    days: int,
    periods: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> AuditLog:
    """Export a meeting's record to the transfer folder, then delete all of it.

    National Archives Act s.8 (R69): at the end of the retention period the record is
    delivered, not silently destroyed. The evidence package is built first; the rows
    are deleted only if nothing was added to the chain since (otherwise the package
    would not be the whole record) and no hold was placed meanwhile.
    """
    policies.require_operator(actor)
    now = now or timezone.now()
    meeting = Meeting.objects.select_related("committee__agency").get(pk=meeting_id)
    if meeting.status not in selectors.FINISHED or selectors.meeting_record_end(
        meeting
    ) > rules.cutoff(now, rules.retention_days(days)):
        raise ServiceError(
            RetentionError.BEFORE_RETENTION_END,
            _("The meeting's record is not past its retention period."),
        )
    _refuse_if_held(meeting)
    package = _build_package(
        actor=actor,
        meeting=meeting,
        kind=RetentionEvent.RETENTION_TRANSFER_REQUESTED,
        payload={"days": days, "policies": periods},
    )
    written: list[Path] = []
    try:
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(of=("self",))
                .select_related("committee__agency")
                .get(pk=meeting_id)
            )
            chain = EvidenceChain.objects.select_for_update().get(key=meeting.chain_key)
            _refuse_if_held(meeting)
            # The package's build is sealed and time-stamped after it (ADR 0021):
            # those events add nothing to the record the package holds.
            last = chain.events.exclude(kind__in=AFTER_BUILD).order_by("-seq").first()
            if (
                last is None
                or last.kind != ArchiveEvent.EVIDENCE_PACKAGE_BUILT
                or last.payload.get("package") != str(package.pk)
            ):
                raise ServiceError(
                    RetentionError.RECORD_CHANGED,
                    _("The record changed while its package was built; try again."),
                )
            try:
                record = collect_meeting_record(meeting)
            except RecordGraphError as exc:
                raise ServiceError(RetentionError.RECORD_SHARED, str(exc)) from exc
            files = record.files()
            name = f"{meeting.pk}-{package.pk}.zip"
            copy = transfer.copy_package(
                Path(package.path), name=name, sha256=package.sha256
            )
            written.append(copy)
            written.append(
                transfer.write_note(
                    copy,
                    {
                        "format": "prachum-transfer-note/1",
                        "law": "National Archives Act B.E. 2556 s.8",
                        "record_class": RecordClass.MINUTES_PACKAGE,
                        "subject": meeting.chain_key,
                        "meeting": _meeting_note(meeting),
                        "record_end": selectors.meeting_record_end(meeting).isoformat(),
                        "retention": {"days": days, "policies": periods},
                        "package": {
                            "id": str(package.pk),
                            "file": name,
                            "sha256": package.sha256,
                            "size": package.size,
                            "chain_length": package.chain_length,
                        },
                        "prepared_at": timezone.now().isoformat(),
                        "prepared_by": actor_label(actor),
                    },
                )
            )
            evidence = _delete_chain(chain)
            delete_meeting_record(record)
            deleted: list[type[models.Model]] = [
                *record.rows,
                EvidenceChain,
                EvidencePackage,
            ]
            connection.check_constraints(table_names=referencing_tables(deleted))
            entry = record_audit(
                actor=actor,
                action="retention.meeting_record_purged",
                target=meeting.chain_key,
                payload={
                    "record_class": RecordClass.MINUTES_PACKAGE,
                    "meeting": _meeting_note(meeting),
                    "retention": {"days": days, "policies": periods},
                    "transfer": {
                        "file": str(copy),
                        "package": str(package.pk),
                        "sha256": package.sha256,
                        "size": package.size,
                    },
                    "evidence": {
                        k: v for k, v in evidence.items() if k != "package_files"
                    },
                    "counts": record.counts(),
                    "ids": record.ids(),
                    "cleared": {
                        f"{m._meta.label}.{attname}": sorted(str(pk) for pk in pks)
                        for m, attname, pks in record.cleared
                    },
                    "files": sorted(name for _storage, name in files),
                },
            )
            package_files = evidence["package_files"]
            transaction.on_commit(lambda: _remove_files(files, package_files))
    except BaseException:
        transfer.discard(*written)
        raise
    return entry


def _complete_package(
    *, actor: Actor, meeting: Meeting, payload: dict[str, Any]
) -> Any:
    """A ready package built after the last connection ended and after the seal, whose
    file is still intact; built now if there is none (NAA s.8: complete and
    verifiable for the whole retention period)."""
    settled = max(
        selectors.meeting_record_end(meeting),
        Connection.objects.filter(meeting=meeting).aggregate(
            last=Max("disconnected_at")
        )["last"]
        or meeting.ends_at,
    )
    ready = EvidencePackage.objects.filter(
        chain__key=meeting.chain_key,
        status=EvidencePackage.Status.READY,
        finished_at__gte=settled,
    ).order_by("-finished_at")
    for package in ready:
        path = Path(package.path)
        if path.is_file() and transfer.sha256_file(path) == package.sha256:
            return package
    return _build_package(
        actor=actor,
        meeting=meeting,
        kind=RetentionEvent.RETENTION_PACKAGE_REQUESTED,
        payload=payload,
    )


def purge_traffic_data(
    *,
    actor: Actor,
    meeting_id: Any,
    days: int,
    periods: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> AuditLog | None:
    """Delete a finished meeting's connection rows once the last ended ``days`` ago.

    The meeting's record keeps its traffic data: the chain's ``attendance.joined`` and
    ``attendance.left`` events carry every field, and a package built after the last
    connection ended (kept, and named in the chain and the audit log) holds
    ``traffic_data.json`` as it was (Decree s.9 last paragraph; ADR 0010).
    """
    policies.require_operator(actor)
    now = now or timezone.now()
    days = rules.retention_days(days)
    meeting = Meeting.objects.select_related("committee").get(pk=meeting_id)
    if meeting.status not in selectors.FINISHED:
        raise ServiceError(
            RetentionError.BEFORE_RETENTION_END, _("The meeting is not finished.")
        )
    _refuse_if_held(meeting)
    package = _complete_package(
        actor=actor, meeting=meeting, payload={"days": days, "policies": periods}
    )
    with transaction.atomic():
        EvidenceChain.objects.select_for_update().get(key=meeting.chain_key)
        _refuse_if_held(meeting)
        rows = Connection.objects.filter(meeting=meeting)
        if (
            rows.filter(disconnected_at__isnull=True).exists()
            or rows.filter(disconnected_at__gt=rules.cutoff(now, days)).exists()
        ):
            raise ServiceError(
                RetentionError.BEFORE_RETENTION_END,
                _("Some of the meeting's traffic data is younger than its period."),
            )
        ids = sorted(str(pk) for pk in rows.values_list("pk", flat=True))
        if not ids:
            return None
        # SIP calls are traffic data too (issue 17), and refer to the connections.
        calls = SipCall.objects.filter(meeting=meeting)
        call_ids = sorted(str(pk) for pk in calls.values_list("pk", flat=True))
        calls.delete()
        rows.delete()
        payload = {
            "record_class": RecordClass.TRAFFIC_DATA,
            "connections": ids,
            **({"sip_calls": call_ids} if call_ids else {}),
            "count": len(ids),
            "package": str(package.pk),
            "package_sha256": package.sha256,
            "retention": {"days": days, "policies": periods},
        }
        append_event(
            chain_key=meeting.chain_key,
            kind=RetentionEvent.RETENTION_TRAFFIC_DATA_PURGED,
            actor=actor,
            payload=payload,
        )
        return record_audit(
            actor=actor,
            action=RetentionEvent.RETENTION_TRAFFIC_DATA_PURGED,
            target=meeting.chain_key,
            payload=payload,
        )


def purge_account_chain(
    *,
    actor: Actor,
    chain_id: Any,
    days: int,
    periods: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> AuditLog:
    """Export an account's login-audit chain to the transfer folder, then delete it."""
    policies.require_operator(actor)
    now = now or timezone.now()
    days = rules.retention_days(days)
    written: list[Path] = []
    try:
        with transaction.atomic():
            chain = EvidenceChain.objects.select_for_update().get(pk=chain_id)
            last = chain.events.aggregate(last=Max("at"))["last"]
            if not chain.key.startswith("account:") or (
                last is not None and last > rules.cutoff(now, days)
            ):
                raise ServiceError(
                    RetentionError.BEFORE_RETENTION_END,
                    _("The login audit is not past its retention period."),
                )
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            name = f"{chain.key.replace(':', '-')}-{stamp}.zip"
            path, sha256 = transfer.write_chain_package(chain, name=name)
            written.append(path)
            written.append(
                transfer.write_note(
                    path,
                    {
                        "format": "prachum-transfer-note/1",
                        "law": "National Archives Act B.E. 2556 s.8",
                        "record_class": RecordClass.LOGIN_AUDIT,
                        "subject": chain.key,
                        "record_end": last.isoformat() if last else None,
                        "retention": {"days": days, "policies": periods},
                        "package": {"file": name, "sha256": sha256},
                        "prepared_at": timezone.now().isoformat(),
                        "prepared_by": actor_label(actor),
                    },
                )
            )
            evidence = _delete_chain(chain)
            connection.check_constraints(
                table_names=referencing_tables([EvidenceChain, EvidencePackage])
            )
            entry = record_audit(
                actor=actor,
                action="retention.login_audit_purged",
                target=chain.key,
                payload={
                    "record_class": RecordClass.LOGIN_AUDIT,
                    "retention": {"days": days, "policies": periods},
                    "transfer": {"file": str(path), "sha256": sha256},
                    "evidence": {
                        k: v for k, v in evidence.items() if k != "package_files"
                    },
                },
            )
            package_files = evidence["package_files"]
            transaction.on_commit(lambda: _remove_files([], package_files))
    except BaseException:
        transfer.discard(*written)
        raise
    return entry
