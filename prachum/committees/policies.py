"""Who may do what to a committee. Small predicates; selectors apply the same rules."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import (
    SECRETARIAT_ROLES,
    Agency,
    Committee,
    Membership,
    Role,
)


def role_in(*, user: Any, committee: Committee) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(committee=committee, user=user)
        .values_list("role", flat=True)
        .first()
    )


def can_manage_committee(*, user: Any, committee: Committee) -> bool:
    """Secretaries keep the roster and prepare meetings; operators (staff) may too."""
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return role_in(user=user, committee=committee) in SECRETARIAT_ROLES


def can_view_committee(*, user: Any, committee: Committee) -> bool:
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return role_in(user=user, committee=committee) is not None


def is_chair(*, user: Any, committee: Committee) -> bool:
    return role_in(user=user, committee=committee) == Role.CHAIR


def can_manage_agencies(*, user: Any) -> bool:
    """Agencies (name, letter code, Garuda emblem, head) are kept by operators (staff)."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


def can_create_committee_in(*, user: Any, agency: Agency) -> bool:
    """Operators create committees under any agency; a secretary under an agency where
    she already keeps a committee's secretariat (the agency her letters go out from)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, role__in=SECRETARIAT_ROLES, committee__agency=agency
    ).exists()
