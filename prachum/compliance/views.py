"""The compliance checklist page of a meeting (R74), for its participants."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prachum.compliance.checklist import all_passed, meeting_checklist
from prachum.compliance.standard import security_standard
from prachum.core.actors import actor_of
from prachum.meetings.lookups import get_meeting_for


@login_required
def meeting_checklist_view(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk, related=("committee",))
    checks = meeting_checklist(meeting)
    return render(
        request,
        "compliance/meeting.html",
        {
            "meeting": meeting,
            "checks": checks,
            "all_passed": all_passed(checks),
            "standard": security_standard(meeting),
        },
    )
