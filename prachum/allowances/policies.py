"""Who may see and compute a meeting's allowances."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.meetings.models import Meeting


def can_view_allowances(*, user: Any, meeting: Meeting) -> bool:
    """The secretariat and the chair see the allowance list and its exports."""
    return role_in(user=user, committee=meeting.committee) in {
        Role.CHAIR,
        *SECRETARIAT_ROLES,
    }


def can_compute_allowances(*, user: Any, meeting: Meeting) -> bool:
    """The secretariat computes, reviews and confirms the list."""
    return role_in(user=user, committee=meeting.committee) in SECRETARIAT_ROLES
