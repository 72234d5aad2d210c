"""Who approved a minutes version, how and when, as printed under the minutes (R54, R55).

The version's content is what was approved and what its hash covers; the approval is
recorded on the version afterwards, so the rendered document takes it as a second
argument: a draft prints "ร่าง ยังไม่ได้รับรองรายงานการประชุม", an approved version names
the approver (name and position), the method (at meeting n/year or by circulation) and
the Buddhist-era date.
"""

from __future__ import annotations

from typing import Any

from prachum.committees.models import Membership
from prachum.domain.thai_dates import (
    format_thai_date,
    format_thai_datetime,
    meeting_number,
)
from prachum.meetings.models import Meeting
from prachum.minutes import wording
from prachum.minutes.models import ApprovalMethod, MinutesApproval, MinutesVersion


def _number(meeting: Meeting, *, thai: bool) -> str:
    if meeting.number is None:
        return meeting.number_label
    return meeting_number(meeting.number, meeting.buddhist_year, thai_digits=thai)


def _title(meeting: Meeting, user: Any) -> str:
    """The approver's position: their title in the committee, else their role."""
    membership = Membership.objects.filter(
        committee=meeting.committee, user=user
    ).first()
    if membership is None:
        return ""
    return membership.position_title or wording.ROLE_TITLES.get(
        membership.role, membership.role
    )


def approval_block(*, version: MinutesVersion) -> dict[str, Any]:
    """Display text of the version's approval; ``{"approved": False, ...}`` for a draft."""
    if (
        not version.is_locked
        or version.approved_by is None
        or version.approved_at is None
    ):
        return {"approved": False, "mark": wording.DRAFT_MARK}
    meeting = Meeting.objects.select_related("committee__agency").get(
        pk=version.meeting_id
    )
    # The digits of the document it is printed in (R67): the version records the
    # agency's choice when drafted; older versions have none, so the agency's today.
    recorded = version.content.get("thai_digits")
    thai = meeting.committee.agency.thai_digits if recorded is None else recorded
    date = f"{wording.APPROVED_ON} " + format_thai_date(
        version.approved_at, thai_digits=thai
    )
    if version.approval_method == ApprovalMethod.CIRCULATION:
        method = wording.APPROVED_BY_CIRCULATION
    else:
        at = version.approved_at_meeting or meeting
        method = f"{wording.APPROVED_AT_MEETING} {_number(at, thai=thai)}"
    approvers = []
    if version.approval_method == ApprovalMethod.CIRCULATION:
        approvals = MinutesApproval.objects.filter(version=version).select_related(
            "approver"
        )
        approvers = [
            f"{n}. {a.approver.display_name}  {_title(meeting, a.approver)}  "
            f"{wording.APPROVED_WHEN} " + format_thai_datetime(a.at, thai_digits=thai)
            for n, a in enumerate(approvals.order_by("at"), start=1)
        ]
    return {
        "approved": True,
        "heading": wording.APPROVAL,
        "method": f"{method} {date}",
        "approvers": approvers,
        "signature": [
            f"({version.approved_by.display_name})",
            _title(meeting, version.approved_by),
            wording.APPROVER,
        ],
    }
