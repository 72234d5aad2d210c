from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from prachum.committees.models import (
    SECRETARIAT_ROLES,
    Agency,
    AllowanceRate,
    Committee,
    Membership,
    ScopeDenyEntry,
)
from prachum.domain.scope import DenyListEntry


def list_committees_for(*, user: Any) -> QuerySet[Committee]:
    qs = Committee.objects.select_related("agency").order_by("name")
    if user.is_staff:
        return qs
    return qs.filter(memberships__user=user).distinct()


def list_agencies() -> QuerySet[Agency]:
    return Agency.objects.order_by("name")


def agencies_for_new_committee(*, user: Any) -> QuerySet[Agency]:
    """The agencies ``user`` may create a committee under (``can_create_committee_in``)."""
    if user.is_staff:
        return list_agencies()
    return (
        list_agencies()
        .filter(
            committees__memberships__user=user,
            committees__memberships__role__in=SECRETARIAT_ROLES,
        )
        .distinct()
    )


def list_members(*, committee: Committee) -> QuerySet[Membership]:
    return committee.memberships.select_related("user").order_by(
        "position_order", "user__full_name"
    )


def deny_list() -> list[DenyListEntry]:
    """The versioned deny-list (Decree s.5(4), s.6 para 2) as domain values."""
    return [
        DenyListEntry(
            kind="category" if e.kind == "category" else "subject",
            value=e.value,
            valid_from=e.valid_from,
            valid_to=e.valid_to,
            source=e.source,
        )
        for e in ScopeDenyEntry.objects.all()
    ]


def rates_for(*, committee: Committee) -> QuerySet[AllowanceRate]:
    return committee.rates.order_by("valid_from")


def rate_on(*, committee: Committee, on: date) -> AllowanceRate | None:
    return (
        committee.rates.filter(valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )
