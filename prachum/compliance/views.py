"""The compliance checklist page of a meeting (R74), for its participants."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from prachum.compliance.checklist import all_passed, meeting_checklist
from prachum.meetings.models import Meeting
from prachum.meetings.policies import can_view_meeting


@login_required
def meeting_checklist_view(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("committee"), pk=pk)
    if not can_view_meeting(user=request.user, meeting=meeting):
        raise Http404
    checks = meeting_checklist(meeting)
    return render(
        request,
        "compliance/meeting.html",
        {"meeting": meeting, "checks": checks, "all_passed": all_passed(checks)},
    )
