"""The minutes' part of the evidence package: the latest version as JSON and PDF."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.minutes.approval_block import approval_block
from prachum.minutes.pdf import render_minutes_pdf
from prachum.minutes.selectors import latest_version, list_approvals


def minutes_files(meeting: Meeting) -> Iterator[File]:
    version = latest_version(meeting=meeting)
    if version is None:
        return
    yield (
        "minutes.json",
        json_bytes(
            {
                "version": version.version,
                "status": version.status,
                "sha256": version.sha256,
                "created_at": version.created_at,
                "created_by": str(version.created_by_id),
                "approved_at": version.approved_at,
                "approval_method": version.approval_method,
                "approved_at_meeting": str(version.approved_at_meeting_id or ""),
                "approvals": [
                    {
                        "approver": str(a.approver_id),
                        "method": a.method,
                        "at_meeting": str(a.at_meeting_id or ""),
                        "auth_method": a.auth_method,
                        "at": a.at,
                    }
                    for a in list_approvals(version=version)
                ],
                "content": version.content,
            }
        ),
    )
    # The approved version's PDF is the one signed at approval (ADR 0022).
    yield (
        "minutes.pdf",
        bytes(version.signed_pdf)
        if version.signed_pdf
        else render_minutes_pdf(version.content, approval_block(version=version)),
    )
