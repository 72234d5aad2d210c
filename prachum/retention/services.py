"""Changing what the record keeps: policies, legal holds and purges (R40, R69, R70).

Every change is written to the operators' audit log in its own transaction; a change
that concerns a meeting (a hold, a purge of its traffic data) is also appended to the
meeting's evidence chain. See docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.models import Connection
from prachum.committees.models import Committee
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.hashchain import GENESIS_HASH, event_hash
from prachum.evidence.models import EvidenceChain, EvidenceEvent, EvidencePackage, Seal
from prachum.evidence.services import actor_label, append_event, run_package_build
from prachum.meetings.models import Meeting
from prachum.retention import policies, rules, selectors, transfer
from prachum.retention.error_codes import RetentionError
from prachum.retention.models import (
    AuditLog,
    AuditLogHead,
    HoldScope,
    LegalHold,
    RecordClass,
    RetentionPolicy,
)
from prachum.retention.record_graph import (
    RecordGraphError,
    collect_meeting_record,
    delete_meeting_record,
    referencing_tables,
)

_HEAD = 1


def _require_operator(actor: Any) -> None:
    if not policies.can_manage_retention(user=actor):
        raise PermissionDeniedError(
            RetentionError.NOT_ALLOWED,
            _("Only an operator may change retention policies, holds or purges."),
        )


def _refuse_floats(value: Any, path: str = "payload") -> None:
    # Floats do not round-trip through PostgreSQL's jsonb; the hash could not be
    # checked again (the same rule as the evidence chain).
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; use a string or an integer")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def record_audit(
    *, actor: Any, action: str, target: str, payload: dict[str, Any]
) -> AuditLog:
    """Append one entry to the audit log; must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_audit must run inside the transaction of the change")
    _refuse_floats(payload)
    AuditLogHead.objects.get_or_create(pk=_HEAD, defaults={"head_hash": GENESIS_HASH})
    head = AuditLogHead.objects.select_for_update().get(pk=_HEAD)
    entry = AuditLog(
        seq=head.length + 1,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label(actor),
        action=action,
        target=target,
        payload=payload,
        prev_hash=head.head_hash,
    )
    entry.hash = event_hash(entry.prev_hash, entry.body())
    entry.save()
    AuditLogHead.objects.filter(pk=_HEAD).update(length=entry.seq, head_hash=entry.hash)
    return entry


# --- policies ---------------------------------------------------------------------


def set_policy(
    *,
    actor: Any,
    record_class: str,
    keep_days: int,
    source: str,
    effective_from: dt.date,
) -> RetentionPolicy:
    """Enter a retention schedule entry; it ends the class's previous policy the day
    before. Refused under the CCA s.26 floor of 90 days (R40)."""
    _require_operator(actor)
    record_class = RecordClass(record_class)
    source = (source or "").strip()
    if not source:
        raise ServiceError(
            RetentionError.SOURCE_REQUIRED,
            _("Name the entry of the agency's retention schedule."),
            field="source",
        )
    if rules.below_floor(keep_days):
        raise ServiceError(
            RetentionError.POLICY_BELOW_FLOOR,
            _(
                "At least %(days)d days: the Computer-Related Crime Act s.26 requires "
                "traffic data to be kept that long."
            )
            % {"days": rules.CCA_FLOOR_DAYS},
            field="keep_days",
        )
    with transaction.atomic():
        latest = (
            RetentionPolicy.objects.select_for_update()
            .filter(record_class=record_class)
            .order_by("-effective_from")
            .first()
        )
        previous = None
        if latest is not None:
            if effective_from <= latest.effective_from:
                raise ServiceError(
                    RetentionError.POLICY_NOT_AFTER_CURRENT,
                    _("A new policy must start after the current one."),
                    field="effective_from",
                )
            end = effective_from - dt.timedelta(days=1)
            if latest.effective_to is None or latest.effective_to > end:
                latest.effective_to = end
                latest.save(update_fields=["effective_to"])
            previous = {"policy": latest.pk, "effective_to": end.isoformat()}
        policy = RetentionPolicy(
            record_class=record_class,
            keep_days=keep_days,
            source=source,
            effective_from=effective_from,
            created_by=actor,
        )
        try:
            policy.full_clean()
        except ValidationError as exc:
            raise ServiceError(
                RetentionError.POLICY_BELOW_FLOOR, "; ".join(exc.messages)
            ) from exc
        policy.save()
        record_audit(
            actor=actor,
            action="retention.policy_set",
            target=f"policy:{record_class}",
            payload={
                "policy": policy.pk,
                "record_class": record_class,
                "keep_days": keep_days,
                "source": source,
                "effective_from": effective_from.isoformat(),
                "previous": previous,
            },
        )
    return policy


# --- legal holds --------------------------------------------------------------------


def place_hold(
    *,
    actor: Any,
    reason: str,
    meeting: Meeting | None = None,
    committee: Committee | None = None,
    reference: str = "",
) -> LegalHold:
    """Keep one meeting's record, or every meeting of a committee, until released."""
    _require_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            RetentionError.HOLD_REASON_REQUIRED,
            _("Give the reason for the hold."),
            field="reason",
        )
    if (meeting is None) == (committee is None):
        raise ServiceError(
            RetentionError.HOLD_TARGET,
            _("A hold is on one meeting or on one committee."),
        )
    if meeting is not None:
        scope, target = HoldScope.MEETING, meeting.chain_key
    else:
        assert committee is not None
        scope, target = HoldScope.COMMITTEE, f"committee:{committee.pk}"
    with transaction.atomic():
        hold = LegalHold.objects.create(
            scope=scope,
            meeting=meeting,
            committee=committee,
            target=target,
            reason=reason,
            reference=(reference or "").strip()[:300],
            placed_by=actor,
            placed_at=timezone.now(),
        )
        payload = {
            "hold": str(hold.pk),
            "scope": scope,
            "reason": hold.reason,
            "reference": hold.reference,
        }
        append_event(
            chain_key=target, kind="retention.hold_placed", actor=actor, payload=payload
        )
        record_audit(
            actor=actor, action="retention.hold_placed", target=target, payload=payload
        )
    return hold


def release_hold(*, actor: Any, hold: LegalHold, reason: str = "") -> LegalHold:
    """End a hold; the record is then purged at its normal time (or at the next run)."""
    _require_operator(actor)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise ServiceError(
                RetentionError.HOLD_RELEASED, _("This hold was already released.")
            )
        hold.released_by = actor
        hold.released_at = timezone.now()
        hold.release_reason = (reason or "").strip()
        hold.save(update_fields=["released_by", "released_at", "release_reason"])
        payload = {"hold": str(hold.pk), "reason": hold.release_reason}
        append_event(
            chain_key=hold.target,
            kind="retention.hold_released",
            actor=actor,
            payload=payload,
        )
        record_audit(
            actor=actor,
            action="retention.hold_released",
            target=hold.target,
            payload=payload,
        )
    return hold


# --- purges -------------------------------------------------------------------------


def record_refusal(
    *, actor: Any, error: ServiceError, request: dict[str, Any]
) -> AuditLog:
    """A refused purge is an attempted deletion (R70): it is logged, nothing else."""
    with transaction.atomic():
        return record_audit(
            actor=actor,
            action="retention.purge_refused",
            target="purge",
            payload={"code": str(error.code), "message": str(error), **request},
        )


def record_failure(*, actor: Any, candidate: Any, error: Exception) -> AuditLog:
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
    *, actor: Any, meeting: Meeting, kind: str, payload: dict[str, Any]
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
        "number": f"{meeting.number}/{meeting.buddhist_year}",
        "committee": {"id": str(committee.pk), "name": committee.name},
        "agency": committee.agency.name,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "status": meeting.status,
    }


def purge_meeting_record(
    *,
    actor: Any,
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
    _require_operator(actor)
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
        kind="retention.transfer_requested",
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
            last = chain.events.order_by("-seq").first()
            if (
                last is None
                or last.seq != chain.length
                or last.kind != "evidence.package_built"
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


def _complete_package(*, actor: Any, meeting: Meeting, payload: dict[str, Any]) -> Any:
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
        kind="retention.package_requested",
        payload=payload,
    )


def purge_traffic_data(
    *,
    actor: Any,
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
    _require_operator(actor)
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
        rows.delete()
        payload = {
            "record_class": RecordClass.TRAFFIC_DATA,
            "connections": ids,
            "count": len(ids),
            "package": str(package.pk),
            "package_sha256": package.sha256,
            "retention": {"days": days, "policies": periods},
        }
        append_event(
            chain_key=meeting.chain_key,
            kind="retention.traffic_data_purged",
            actor=actor,
            payload=payload,
        )
        return record_audit(
            actor=actor,
            action="retention.traffic_data_purged",
            target=meeting.chain_key,
            payload=payload,
        )


def purge_account_chain(
    *,
    actor: Any,
    chain_id: Any,
    days: int,
    periods: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> AuditLog:
    """Export an account's login-audit chain to the transfer folder, then delete it."""
    _require_operator(actor)
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
