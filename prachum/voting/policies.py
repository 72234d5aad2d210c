"""Who may do what with polls, recusals, resolutions and dissents."""

from __future__ import annotations

from typing import Any

from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.core.errors import ErrorCode, PermissionDeniedError
from prachum.meetings.models import Meeting

POLL_ROLES = frozenset({Role.CHAIR, *SECRETARIAT_ROLES})


def require(allowed: bool, code: ErrorCode, message: str) -> None:
    """Refuse a vote change that one of the policies below does not allow."""
    if not allowed:
        raise PermissionDeniedError(code, message)


def can_manage_polls(*, user: Any, meeting: Meeting) -> bool:
    """The chair opens and closes votes; the secretariat may do it on the chair's
    instruction (R18: the chair's powers may be delegated to the secretary)."""
    return role_in(user=user, committee=meeting.committee) in POLL_ROLES


def can_cast_deciding_vote(*, user: Any, meeting: Meeting) -> bool:
    """Only the chair has the casting vote (APA s.82)."""
    return role_in(user=user, committee=meeting.committee) == Role.CHAIR


def can_record_for_item(*, user: Any, meeting: Meeting) -> bool:
    """Resolutions and recusals are recorded by the chair or the secretariat."""
    return role_in(user=user, committee=meeting.committee) in POLL_ROLES


def can_record_dissent(*, user: Any, meeting: Meeting, member: Any) -> bool:
    """A member records their own dissent; the chair or secretariat may record one
    stated at the meeting or handed in writing (APA s.83)."""
    if user is not None and member is not None and user.pk == member.pk:
        return role_in(user=user, committee=meeting.committee) is not None
    return role_in(user=user, committee=meeting.committee) in POLL_ROLES


def can_view_polls(*, user: Any, meeting: Meeting) -> bool:
    """Everyone on the meeting's roster sees polls, progress and results."""
    return role_in(user=user, committee=meeting.committee) is not None


def can_flag_redo(*, user: Any, meeting: Meeting) -> bool:
    """The chair flags an earlier resolution for redo after a suspension (APA s.17)."""
    return role_in(user=user, committee=meeting.committee) == Role.CHAIR
