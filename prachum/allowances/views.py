"""The allowance list of a meeting: review, compute, confirm, export (secretary/chair)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prachum.allowances import exports, policies, selectors, services
from prachum.allowances.models import AllowanceRun
from prachum.committees import selectors as committee_selectors
from prachum.core.actors import actor_of
from prachum.core.downloads import protect_download
from prachum.core.errors import ServiceError
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting


def _meeting_for(request: HttpRequest, pk: str) -> Meeting:
    return get_meeting_for(
        actor_of(request), pk, may=policies.can_view_allowances, related=("committee",)
    )


def _run_for(request: HttpRequest, pk: str, run_pk: str) -> AllowanceRun:
    meeting = _meeting_for(request, pk)
    return get_object_or_404(
        AllowanceRun.objects.select_related("meeting__committee"),
        pk=run_pk,
        meeting=meeting,
    )


@login_required
def meeting_allowances(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    run = selectors.current_run(meeting=meeting)
    lines = list(run.lines.order_by("position")) if run else []
    rows = exports.payment_rows(run) if run else []
    return render(
        request,
        "allowances/meeting.html",
        {
            "meeting": meeting,
            "run": run,
            "items": list(zip(lines, rows, strict=True)),
            "can_compute": policies.can_compute_allowances(
                user=request.user, meeting=meeting
            ),
            # R57: without a rate in force on the day held nothing can be computed
            "no_rate": committee_selectors.rate_on(
                committee=meeting.committee,
                on=timezone.localtime(meeting.held_at).date(),
            )
            is None,
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    try:
        services.compute_allowance_run(actor=actor_of(request), meeting=meeting)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The allowance list was computed. Review it."))
    return redirect("allowances:meeting", pk=meeting.pk)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: str, run_pk: str) -> HttpResponse:
    run = _run_for(request, pk, run_pk)
    try:
        services.confirm_allowance_run(actor=actor_of(request), run=run)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The allowance list is confirmed."))
    return redirect("allowances:meeting", pk=run.meeting_id)


def _filename(run: AllowanceRun, ext: str) -> str:
    return f"allowances-{run.meeting.number}-{run.meeting.buddhist_year}-{run.status}.{ext}"


@login_required
def export_csv(request: HttpRequest, pk: str, run_pk: str) -> HttpResponse:
    run = _run_for(request, pk, run_pk)
    response = HttpResponse(
        exports.csv_bytes(run), content_type="text/csv; charset=utf-8"
    )
    return protect_download(response, filename=_filename(run, "csv"))


@login_required
def export_pdf(request: HttpRequest, pk: str, run_pk: str) -> HttpResponse:
    run = _run_for(request, pk, run_pk)
    response = HttpResponse(exports.pdf_bytes(run), content_type="application/pdf")
    return protect_download(response, filename=_filename(run, "pdf"))
