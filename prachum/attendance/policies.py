"""Who may do what in the live room."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.meetings.models import Meeting

CONSOLE_ROLES = frozenset({Role.CHAIR, *SECRETARIAT_ROLES})


def can_run_console(*, user: Any, meeting: Meeting) -> bool:
    """The chair and the secretariat run the meeting console."""
    return role_in(user=user, committee=meeting.committee) in CONSOLE_ROLES


def can_chair(*, user: Any, meeting: Meeting) -> bool:
    """Decisions that belong to the chair (open, close, suspend, remove, give the floor)."""
    return role_in(user=user, committee=meeting.committee) in {
        Role.CHAIR,
        *SECRETARIAT_ROLES,
    }


def can_vouch(*, user: Any, meeting: Meeting) -> bool:
    """The chair or the secretary may vouch for a participant (MDES 2563, R14)."""
    return role_in(user=user, committee=meeting.committee) in CONSOLE_ROLES


def is_participant(*, user: Any, meeting: Meeting) -> bool:
    return role_in(user=user, committee=meeting.committee) is not None
