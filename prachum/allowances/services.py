"""Computing and confirming a meeting's allowance list (R56-R62).

The amounts come from :func:`prachum.domain.allowances.compute_allowances`; this module
reads the record (see :mod:`prachum.allowances.selectors`), stores the run and writes
the evidence events. A new computation replaces the draft; a confirmed run is final.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from prachum.allowances import exports, policies, selectors
from prachum.allowances.error_codes import AllowanceError
from prachum.allowances.events import AllowanceEvent
from prachum.allowances.models import AllowanceLine, AllowanceRun, RunStatus
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.domain import allowances as engine
from prachum.domain.errors import DomainError
from prachum.evidence.pdf_signing import sign_pdf
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting, MeetingStatus


def lines_digest(run: AllowanceRun) -> str:
    """SHA-256 of the run's lines in a canonical form (what the confirmation locks)."""
    rows = [
        [
            str(line.person_id),
            line.role,
            line.mode,
            line.identity_method,
            str(line.amount),
            line.reason_code,
            line.clause,
        ]
        for line in run.lines.order_by("position")
    ]
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def engine_inputs(
    record: selectors.MeetingRecord,
    rates: list[engine.AllowanceRate],
    policy: engine.AllowancePolicy,
) -> dict[str, Any]:
    """What the law engine was given, in the event, so that `prachum verify` can
    recompute every line from the chain (issue 16 point 2): the rate table, the
    committee's switches, and each person as listed (role, name, identity)."""
    return {
        "held_on": record.attendance.held_on.isoformat(),
        "rates": [
            {
                "kind": r.kind,
                "member_amount": str(r.member_amount),
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat() if r.valid_to else None,
                "source": r.source,
            }
            for r in rates
        ],
        "policy": {
            "chair_premium": str(policy.chair_premium),
            "vice_chair_premium": str(policy.vice_chair_premium),
            "pay_secretaries": policy.pay_secretaries,
            "max_paid_assistant_secretaries": policy.max_paid_assistant_secretaries,
            "pay_invitees": policy.pay_invitees,
            "no_quorum_no_allowance": policy.no_quorum_no_allowance,
        },
        "attendees": [
            {
                "person": a.person_id,
                "name": record.people[a.person_id].user.display_name,
                "role": a.role.value,
                "identified": a.identified,
                "attended": a.attended,
                "mode": record.people[a.person_id].mode,
                "identity_method": record.people[a.person_id].identity_method,
            }
            for a in record.attendance.attendees
        ],
    }


def compute_allowance_run(*, actor: Actor, meeting: Meeting) -> AllowanceRun:
    """Compute the allowance list of a closed meeting from its record (Decree s.10;
    RD 2547 s.7; R56-R62) as a draft for the secretary to review."""
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .select_related("committee")
            .get(pk=meeting.pk)
        )
        if not policies.can_compute_allowances(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED, _("Only the secretariat may compute allowances.")
            )
        if meeting.status != MeetingStatus.CLOSED:
            raise ServiceError(
                CoreError.MEETING_NOT_CLOSED,
                _("Allowances are computed after the meeting is closed."),
            )
        if AllowanceRun.objects.filter(
            meeting=meeting, status=RunStatus.CONFIRMED
        ).exists():
            raise ServiceError(
                AllowanceError.ALREADY_CONFIRMED,
                _("The allowance list of this meeting is already confirmed."),
            )
        record = selectors.meeting_record(meeting=meeting)
        rates = selectors.engine_rates(committee=meeting.committee)
        policy = selectors.policy_for(meeting.committee)
        try:
            rate = engine.rate_on(rates, record.attendance.held_on)
            result = engine.compute_allowances(
                meetings=[record.attendance],
                rates=rates,
                policy=policy,
            )
        except DomainError as error:
            raise ServiceError(
                AllowanceError(error.code),
                _(
                    "The committee's allowance rates do not give one rate for the day "
                    "of the meeting; correct the rate table first."
                ),
            ) from error
        warnings = [
            {"code": w.code, "clause": w.clause, "detail": w.detail}
            for w in result.warnings
        ]
        if rate.kind == "monthly":
            # The engine pays a monthly rate once per month over the meetings it is
            # given; a run covers one meeting, so the secretary must check the month.
            warnings.append(
                {
                    "code": "MONTHLY_RATE_CHECK_MONTH",
                    "clause": "RD 2547 s.7(1)",
                    "detail": str(record.attendance.held_on.replace(day=1)),
                }
            )
        AllowanceRun.objects.filter(meeting=meeting, status=RunStatus.DRAFT).delete()
        presiding = record.attendance.presiding_id
        run = AllowanceRun.objects.create(
            meeting=meeting,
            computed_at=timezone.now(),
            computed_by=actor,
            total=result.total,
            quorate=record.attendance.quorate,
            presiding=record.people[presiding].user if presiding else None,
            rate_kind=rate.kind,
            rate_amount=rate.member_amount,
            rate_source=rate.source,
            warnings=warnings,
        )
        AllowanceLine.objects.bulk_create(
            AllowanceLine(
                run=run,
                position=n,
                person=record.people[line.person_id].user,
                role=line.role.value,
                mode=record.people[line.person_id].mode,
                identity_method=record.people[line.person_id].identity_method,
                amount=line.amount,
                reason_code=line.reason_code,
                clause=line.clause,
                detail=line.detail,
            )
            for n, line in enumerate(result.lines, start=1)
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=AllowanceEvent.ALLOWANCES_COMPUTED,
            actor=actor,
            payload={
                "run": str(run.pk),
                "total": str(run.total),
                "quorate": run.quorate,
                "presiding": presiding,
                "rate": {
                    "kind": rate.kind,
                    "member_amount": str(rate.member_amount),
                    "source": rate.source,
                },
                "lines": [
                    {
                        "person": line.person_id,
                        "role": line.role.value,
                        "amount": str(line.amount),
                        "reason": line.reason_code,
                        "clause": line.clause,
                    }
                    for line in result.lines
                ],
                "warnings": warnings,
                "lines_sha256": lines_digest(run),
                "inputs": engine_inputs(record, rates, policy),
            },
        )
    return run


def confirm_allowance_run(*, actor: Actor, run: AllowanceRun) -> AllowanceRun:
    """The secretary confirms the reviewed list; it can no longer change (R56)."""
    with transaction.atomic():
        run = (
            AllowanceRun.objects.select_for_update()
            .select_related("meeting__committee")
            .get(pk=run.pk)
        )
        if not policies.can_compute_allowances(user=actor, meeting=run.meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED, _("Only the secretariat may confirm allowances.")
            )
        if run.status != RunStatus.DRAFT:
            raise ServiceError(
                AllowanceError.ALREADY_CONFIRMED,
                _("This allowance list is already confirmed."),
            )
        digest = lines_digest(run)
        run.status = RunStatus.CONFIRMED
        run.confirmed_at = timezone.now()
        run.confirmed_by = actor
        # The confirmed list is signed once (ADR 0022); its hash goes into the event.
        with translation.override("th"):
            reason = _("Confirmed allowance list")
        run.signed_pdf = sign_pdf(exports.rendered_pdf(run), reason=reason)
        run.save(update_fields=["status", "confirmed_at", "confirmed_by", "signed_pdf"])
        append_event(
            chain_key=run.meeting.chain_key,
            kind=AllowanceEvent.ALLOWANCES_CONFIRMED,
            actor=actor,
            payload={
                "run": str(run.pk),
                "total": str(run.total),
                "lines_sha256": digest,
                "pdf_sha256": hashlib.sha256(run.signed_pdf).hexdigest(),
            },
        )
    return run
