"""Who may see and change a meeting."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.meetings.models import Meeting


def can_prepare_meeting(*, user: Any, meeting: Meeting) -> bool:
    """The secretariat prepares the agenda, documents and notice."""
    return role_in(user=user, committee=meeting.committee) in SECRETARIAT_ROLES


def can_view_meeting(*, user: Any, meeting: Meeting) -> bool:
    """Only the meeting's participants see its agenda and documents (R19, R20)."""
    return role_in(user=user, committee=meeting.committee) is not None


def can_decide_as_chair(*, user: Any, meeting: Meeting) -> bool:
    return role_in(user=user, committee=meeting.committee) == Role.CHAIR
