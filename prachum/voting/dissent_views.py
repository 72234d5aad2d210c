"""A member's own dissenting opinions (APA s.83; R52): the page "ความเห็นแย้งของฉัน".

Lists the items of the meeting on which the member may record their own dissent (a
resolution recorded, an item they attended) with what they recorded, and a form for
each. The form carries out the room's ``dissent.record`` command: the same service and
evidence as the room and the REST API; the service checks again who may record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from prachum.attendance.views import meeting_for
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.room.console_views import run_command
from prachum.voting.dissents import own_dissent_items


@login_required
@require_http_methods(["GET", "POST"])
def my_dissents(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = meeting_for(request, pk)
    user = actor_of(request)
    choices = own_dissent_items(meeting=meeting, member=user)
    if request.method == "POST":
        item_id = request.POST.get("item", "")
        opinion = request.POST.get("opinion", "")
        chosen = next((c for c in choices if str(c.item.pk) == item_id), None)
        if chosen is None:
            raise Http404
        try:
            answer = run_command(
                meeting,
                user,
                "dissent.record",
                {"item": chosen.item, "member": user, "opinion": opinion},
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            return render(
                request,
                "voting/my_dissents.html",
                {
                    "meeting": meeting,
                    "choices": choices,
                    "failed_item": item_id,
                    "opinion": opinion,
                },
                status=400,
            )
        messages.success(request, answer)
        return redirect("attendance:my_dissents", pk=meeting.pk)
    return render(
        request, "voting/my_dissents.html", {"meeting": meeting, "choices": choices}
    )
