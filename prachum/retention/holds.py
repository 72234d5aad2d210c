"""Legal holds: a held meeting's record is kept until the hold is released (R69, R70).

A hold is written to the audit log and to the meeting's evidence chain in the same
transaction. See docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees.models import Committee
from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.retention import policies
from prachum.retention.audit_log import record_audit
from prachum.retention.error_codes import RetentionError
from prachum.retention.events import RetentionEvent
from prachum.retention.models import HoldScope, LegalHold


def place_hold(
    *,
    actor: Actor,
    reason: str,
    meeting: Meeting | None = None,
    committee: Committee | None = None,
    reference: str = "",
) -> LegalHold:
    """Keep one meeting's record, or every meeting of a committee, until released."""
    policies.require_operator(actor)
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
            chain_key=target,
            kind=RetentionEvent.RETENTION_HOLD_PLACED,
            actor=actor,
            payload=payload,
        )
        record_audit(
            actor=actor,
            action=RetentionEvent.RETENTION_HOLD_PLACED,
            target=target,
            payload=payload,
        )
    return hold


def release_hold(*, actor: Actor, hold: LegalHold, reason: str = "") -> LegalHold:
    """End a hold; the record is then purged at its normal time (or at the next run)."""
    policies.require_operator(actor)
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
            kind=RetentionEvent.RETENTION_HOLD_RELEASED,
            actor=actor,
            payload=payload,
        )
        record_audit(
            actor=actor,
            action=RetentionEvent.RETENTION_HOLD_RELEASED,
            target=hold.target,
            payload=payload,
        )
    return hold
