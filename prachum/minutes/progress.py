"""Where a meeting's minutes stand, and whose approval they wait for (R54, R55).

A closed meeting's minutes are not yet drafted, then a draft, then awaiting approval
once a voting member has approved the latest version, then approved when the chair
finalises it. A correction after approval is a new draft again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from prachum.committees.models import VOTING_ROLES, Membership
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.minutes.models import MinutesApproval, MinutesStatus, MinutesVersion

NOT_HELD = "not_held"
NOT_DRAFTED = "not_drafted"
DRAFT = "draft"
AWAITING_APPROVAL = "awaiting_approval"
APPROVED = "approved"


@dataclass(frozen=True)
class MinutesProgress:
    state: str
    version: MinutesVersion | None = None
    approvals: int = 0
    approvers_needed: int = 0


def minutes_progress(*, meeting: Meeting) -> MinutesProgress:
    """The state of the latest minutes version of ``meeting``."""
    if meeting.status != MeetingStatus.CLOSED:
        return MinutesProgress(NOT_HELD)
    version = (
        MinutesVersion.objects.filter(meeting=meeting)
        .select_related("approved_by")
        .order_by("-version")
        .first()
    )
    if version is None:
        return MinutesProgress(NOT_DRAFTED)
    if version.status == MinutesStatus.APPROVED:
        return MinutesProgress(APPROVED, version)
    approvals = MinutesApproval.objects.filter(version=version).count()
    voters = Membership.objects.filter(
        committee=meeting.committee, role__in=VOTING_ROLES, is_voting=True
    ).count()
    return MinutesProgress(
        AWAITING_APPROVAL if approvals else DRAFT, version, approvals, voters
    )


def awaiting_approval_by(*, user: Any) -> QuerySet[MinutesVersion]:
    """Latest draft versions that ``user``, a voting member, has not yet approved."""
    newer = MinutesVersion.objects.filter(
        meeting=OuterRef("meeting"), version__gt=OuterRef("version")
    )
    mine = MinutesApproval.objects.filter(version=OuterRef("pk"), approver=user)
    voting = Membership.objects.filter(
        committee=OuterRef("meeting__committee"),
        user=user,
        role__in=VOTING_ROLES,
        is_voting=True,
    )
    return (
        MinutesVersion.objects.filter(status=MinutesStatus.DRAFT)
        .filter(Exists(voting))
        .exclude(Exists(newer))
        .exclude(Exists(mine))
        .select_related("meeting__committee")
        .order_by(F("created_at").asc())
    )
