"""Allowance rates with effective dates (R57): a new rate from a date ends the one before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from prachum.committees import policies
from prachum.committees.error_codes import CommitteeError
from prachum.committees.events import CommitteeEvent
from prachum.committees.models import AllowanceKind, AllowanceRate, Committee
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.text import clean_text
from prachum.evidence.services import append_event


def set_allowance_rate(
    *,
    actor: Actor,
    committee: Committee,
    kind: str,
    member_amount: Any,
    valid_from: date,
    source: str = "",
) -> AllowanceRate:
    """Add a rate from ``valid_from``; the previous open-ended rate ends the day before (R57)."""
    if not policies.can_manage_committee(user=actor, committee=committee):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may change allowance rates."),
        )
    if kind not in AllowanceKind.values:
        raise ServiceError(
            CommitteeError.RATE_KIND_UNKNOWN,
            _("Choose a kind of allowance: per meeting or monthly."),
            field="kind",
        )
    source = clean_text(source, field="source", required=False, max_length=300)
    if Decimal(member_amount) < 0:
        raise ServiceError(
            CommitteeError.RATE_NEGATIVE,
            _("An allowance rate cannot be negative."),
            field="member_amount",
        )
    with transaction.atomic():
        previous = committee.rates.filter(
            valid_to__isnull=True, valid_from__lt=valid_from
        )
        for rate in previous:
            rate.valid_to = valid_from.fromordinal(valid_from.toordinal() - 1)
            rate.save(update_fields=["valid_to", "updated_at"])
        if committee.rates.filter(valid_from__gte=valid_from).exists():
            raise ServiceError(
                CommitteeError.RATE_OVERLAP,
                _("A rate already starts on or after that date."),
                field="valid_from",
            )
        rate = AllowanceRate.objects.create(
            committee=committee,
            kind=kind,
            member_amount=member_amount,
            valid_from=valid_from,
            source=source,
        )
        append_event(
            chain_key=committee.chain_key,
            kind=CommitteeEvent.COMMITTEE_ALLOWANCE_RATE_SET,
            actor=actor,
            payload={
                "kind": kind,
                "member_amount": str(member_amount),
                "valid_from": valid_from.isoformat(),
                "source": source,
            },
        )
    return rate
