"""Who may do what with the minutes (R54): the secretariat drafts and edits, voting
members approve, the chair finalises."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import (
    SECRETARIAT_ROLES,
    VOTING_ROLES,
    Membership,
    Role,
)
from prachum.committees.policies import role_in
from prachum.meetings.models import Meeting


def can_edit_minutes(*, user: Any, meeting: Meeting) -> bool:
    return role_in(user=user, committee=meeting.committee) in SECRETARIAT_ROLES


def can_approve_minutes(*, user: Any, meeting: Meeting) -> bool:
    """Voting members approve; a non-voting membership row does not count."""
    if user is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        committee=meeting.committee, user=user, role__in=VOTING_ROLES, is_voting=True
    ).exists()


def can_finalise_minutes(*, user: Any, meeting: Meeting) -> bool:
    return role_in(user=user, committee=meeting.committee) == Role.CHAIR


def can_view_minutes(*, user: Any, meeting: Meeting) -> bool:
    return role_in(user=user, committee=meeting.committee) is not None
