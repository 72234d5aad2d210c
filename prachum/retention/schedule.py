"""Entering the agency's retention schedule: one policy per record class (R40).

National Archives Act s.7; every change is written to the audit log in its own
transaction. See docs/adr/0010-retention-holds-and-purge.md.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.retention import policies, rules
from prachum.retention.audit_log import record_audit
from prachum.retention.error_codes import RetentionError
from prachum.retention.models import RecordClass, RetentionPolicy


def set_policy(
    *,
    actor: Actor,
    record_class: str,
    keep_days: int,
    source: str,
    effective_from: dt.date,
) -> RetentionPolicy:
    """Enter a retention schedule entry; it ends the class's previous policy the day
    before. Refused under the CCA s.26 floor of 90 days (R40)."""
    policies.require_operator(actor)
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
