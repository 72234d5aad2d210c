"""The meeting's file (แฟ้มการประชุม) and the home page's tasks (issue 14 point 4).

The meeting page shows each part of the meeting's record one click away with where
it stands: the notice and its delivery, the documents, the room, the minutes, the
allowances, the evidence package and the attendance-and-quorum timeline. Each part is
read through its own context's selector and shown only to those its policy allows.
The home page lists the person's next meetings and what waits for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prachum.allowances import policies as allowance_policies
from prachum.allowances import selectors as allowance_selectors
from prachum.archive.timeline import meeting_timeline
from prachum.archive.timeline_svg import render_timeline_svg
from prachum.committees.policies import role_in
from prachum.core.actors import actor_of
from prachum.core.downloads import protect_download
from prachum.domain.thai_dates import format_thai_datetime
from prachum.evidence.models import EvidencePackage
from prachum.evidence.selectors import latest_package
from prachum.evidence.views import PACKAGE_ROLES
from prachum.meetings import selectors
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.minutes import policies as minutes_policies
from prachum.minutes import progress as minutes_progress
from prachum.notices import selectors as notice_selectors

# Each part's state, for tests and styling (``data-state``); the words are Thai.
OK, WAITING, PROBLEM, NONE = "ok", "waiting", "problem", "none"


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    id: str = ""


@dataclass(frozen=True)
class FileRow:
    """One part of the meeting's file: what it is, where it stands, where it is."""

    key: str
    title: str
    status: str
    state: str = NONE
    links: tuple[Link, ...] = field(default=())


def _when(at: Any, meeting: Meeting) -> str:
    return format_thai_datetime(at, thai_digits=meeting.committee.agency.thai_digits)


def _notice_row(meeting: Meeting) -> FileRow:
    summary = notice_selectors.delivery_summary(meeting=meeting)
    if summary is None:
        return FileRow("notice", _("Notice of meeting"), _("Not yet sent"))
    status = _(
        "Letter %(number)s sent %(when)s to %(total)d people: delivered "
        "%(delivered)d, waiting to send %(queued)d, delivery failed %(failed)d"
    ) % {
        "number": summary.notice.letter_number,
        "when": _when(summary.notice.sent_at, meeting),
        "total": summary.total,
        "delivered": summary.delivered,
        "queued": summary.queued,
        "failed": summary.failed,
    }
    state = PROBLEM if summary.failed else WAITING if summary.queued else OK
    return FileRow(
        "notice",
        _("Notice of meeting"),
        status,
        state,
        (Link("#notice", _("Delivery to each person"), "file-notice-link"),),
    )


def _documents_row(meeting: Meeting) -> FileRow:
    count = selectors.list_documents(meeting=meeting).count()
    status = (
        ngettext("%(n)d document", "%(n)d documents", count) % {"n": count}
        if count
        else _("No documents yet")
    )
    return FileRow(
        "documents",
        _("Meeting documents"),
        status,
        OK if count else NONE,
        (Link("#documents", _("Documents"), "file-documents-link"),),
    )


def _room_row(meeting: Meeting) -> FileRow:
    enter = (
        Link(
            reverse("attendance:room", args=[meeting.pk]),
            _("Enter the meeting room"),
            "file-room-link",
        ),
    )
    if meeting.status == MeetingStatus.NOTIFIED:
        return FileRow("room", _("Meeting room"), _("Not yet opened"), WAITING, enter)
    if meeting.status == MeetingStatus.OPEN:
        return FileRow("room", _("Meeting room"), _("In session"), OK, enter)
    if meeting.status == MeetingStatus.SUSPENDED:
        return FileRow("room", _("Meeting room"), _("Suspended"), WAITING, enter)
    if meeting.status == MeetingStatus.CLOSED:
        return FileRow("room", _("Meeting room"), _("Closed"), OK)
    if meeting.status == MeetingStatus.CANCELLED:
        return FileRow("room", _("Meeting room"), _("The meeting was cancelled"))
    return FileRow("room", _("Meeting room"), _("Opens once the notice is sent"))


def _minutes_row(meeting: Meeting) -> FileRow:
    progress = minutes_progress.minutes_progress(meeting=meeting)
    link: tuple[Link, ...] = (
        Link(
            reverse("minutes:detail", args=[meeting.pk]),
            _("Minutes"),
            "file-minutes-link",
        ),
    )
    title = _("Minutes")
    if progress.state == minutes_progress.NOT_HELD:
        return FileRow("minutes", title, _("Drafted after the meeting closes"))
    if progress.state == minutes_progress.NOT_DRAFTED:
        return FileRow("minutes", title, _("Not yet drafted"), WAITING, link)
    version = progress.version
    assert version is not None
    link += (
        Link(
            reverse("minutes:pdf", args=[meeting.pk, version.version]),
            _("Minutes (PDF)"),
            "file-minutes-pdf",
        ),
    )
    if progress.state == minutes_progress.APPROVED:
        status = _("Approved (version %(v)d) on %(when)s by %(name)s") % {
            "v": version.version,
            "when": _when(version.approved_at, meeting),
            "name": version.approved_by.display_name if version.approved_by else "",
        }
        return FileRow("minutes", title, status, OK, link)
    if progress.state == minutes_progress.AWAITING_APPROVAL:
        status = _(
            "Awaiting approval (version %(v)d): approved by %(n)d of %(m)d members"
        ) % {
            "v": version.version,
            "n": progress.approvals,
            "m": progress.approvers_needed,
        }
        return FileRow("minutes", title, status, WAITING, link)
    status = _("Draft (version %(v)d), not yet approved") % {"v": version.version}
    return FileRow("minutes", title, status, WAITING, link)


def _allowances_row(meeting: Meeting) -> FileRow:
    title = _("Meeting allowances")
    if meeting.status != MeetingStatus.CLOSED:
        return FileRow("allowances", title, _("Computed after the meeting closes"))
    state, run = allowance_selectors.allowance_state(meeting=meeting)
    link = (
        Link(
            reverse("allowances:meeting", args=[meeting.pk]),
            _("Meeting allowances"),
            "file-allowances-link",
        ),
    )
    if run is None:
        return FileRow("allowances", title, _("Not yet computed"), WAITING, link)
    if state == allowance_selectors.CONFIRMED:
        status = _("Confirmed on %(when)s") % {"when": _when(run.confirmed_at, meeting)}
        return FileRow("allowances", title, status, OK, link)
    return FileRow(
        "allowances", title, _("Computed, awaiting confirmation"), WAITING, link
    )


def _package_row(meeting: Meeting) -> FileRow:
    title = _("Evidence package")
    evidence = Link(
        reverse("meetings:evidence", args=[meeting.pk]),
        _("Evidence chain and packages"),
        "file-evidence-link",
    )
    package = latest_package(meeting_id=meeting.pk)
    if package is None:
        return FileRow("package", title, _("Not yet built"), NONE, (evidence,))
    status = EvidencePackage.Status
    if package.status == status.READY:
        download = Link(
            reverse("evidence:package_download", args=[meeting.pk, package.pk]),
            _("Download"),
            "file-package-download",
        )
        ready = _("Ready (built %(when)s)") % {
            "when": _when(package.requested_at, meeting)
        }
        return FileRow("package", title, ready, OK, (download, evidence))
    if package.status == status.FAILED:
        return FileRow("package", title, _("The build failed"), PROBLEM, (evidence,))
    building = _("Building: %(progress)d%%") % {"progress": package.progress}
    return FileRow("package", title, building, WAITING, (evidence,))


def _timeline_row(meeting: Meeting) -> FileRow:
    title = _("Attendance and quorum timeline")
    link = (
        Link(
            reverse("meetings:timeline", args=[meeting.pk]),
            _("View the timeline"),
            "file-timeline-link",
        ),
    )
    if meeting.status in (MeetingStatus.DRAFT, MeetingStatus.NOTIFIED):
        return FileRow("timeline", title, _("Drawn once people join the meeting"))
    return FileRow("timeline", title, _("From the record of who was present"), OK, link)


def meeting_file(*, user: Any, meeting: Meeting) -> list[FileRow]:
    """The parts of the meeting's file ``user`` may see, in the order of the work."""
    rows = [_notice_row(meeting), _documents_row(meeting), _room_row(meeting)]
    if minutes_policies.can_view_minutes(user=user, meeting=meeting):
        rows.append(_minutes_row(meeting))
    if allowance_policies.can_view_allowances(user=user, meeting=meeting):
        rows.append(_allowances_row(meeting))
    if role_in(user=user, committee=meeting.committee) in PACKAGE_ROLES:
        rows.append(_package_row(meeting))
    rows.append(_timeline_row(meeting))
    return rows


@dataclass(frozen=True)
class Task:
    kind: str
    meeting: Meeting
    text: str
    url: str


def pending_tasks(*, user: Any) -> list[Task]:
    """What waits for ``user``: minutes to approve, allowance lists to confirm,
    notices the mail server refused (each only where their role does that work)."""
    tasks: list[Task] = []
    for version in minutes_progress.awaiting_approval_by(user=user):
        tasks.append(
            Task(
                "minutes",
                version.meeting,
                _("Approve the minutes (version %(v)d)") % {"v": version.version},
                reverse("minutes:detail", args=[version.meeting_id]),
            )
        )
    for run in allowance_selectors.runs_awaiting_confirmation(user=user):
        if not allowance_policies.can_compute_allowances(
            user=user, meeting=run.meeting
        ):
            continue
        tasks.append(
            Task(
                "allowances",
                run.meeting,
                _("Confirm the allowance list"),
                reverse("allowances:meeting", args=[run.meeting_id]),
            )
        )
    for meeting in notice_selectors.failed_deliveries_for(user=user):
        failed: int = meeting.failed_count  # type: ignore[attr-defined]
        text = ngettext(
            "The notice could not be delivered to %(n)d person",
            "The notice could not be delivered to %(n)d people",
            failed,
        ) % {"n": failed}
        tasks.append(
            Task(
                "notice",
                meeting,
                text,
                reverse("meetings:detail", args=[meeting.pk]) + "#notice",
            )
        )
    return tasks


def home_context(*, user: Any) -> dict[str, Any]:
    return {
        "upcoming": selectors.upcoming_meetings_for(user=user),
        "tasks": pending_tasks(user=user),
    }


# --- the timeline: a page and an SVG download ----------------------------------------


def _timeline_svg(meeting: Meeting) -> str:
    title = _("Attendance and quorum timeline: %(title)s %(number)s") % {
        "title": meeting.title,
        "number": meeting.number_label,
    }
    return render_timeline_svg(meeting_timeline(meeting=meeting), title=title)


@login_required
def timeline(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk)
    return render(
        request,
        "meetings/timeline.html",
        {"meeting": meeting, "svg": _timeline_svg(meeting)},
    )


@login_required
def timeline_download(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk)
    response = HttpResponse(
        _timeline_svg(meeting).encode(), content_type="image/svg+xml; charset=utf-8"
    )
    name = f"timeline-{meeting.number or 0}-{meeting.buddhist_year}.svg"
    return protect_download(response, filename=name)
