from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prachum.core.actors import actor_of
from prachum.core.downloads import protect_download
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error
from prachum.meetings.models import Meeting
from prachum.minutes import policies, selectors, services
from prachum.minutes.approval_block import approval_block
from prachum.minutes.docx import render_minutes_docx
from prachum.minutes.forms import ApprovalForm, MinutesEditForm
from prachum.minutes.models import MinutesVersion
from prachum.minutes.pdf import render_minutes_pdf

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _meeting_for(request: HttpRequest, pk: str) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("committee__agency"), pk=pk
    )
    if not policies.can_view_minutes(user=request.user, meeting=meeting):
        raise Http404
    return meeting


def _version(meeting: Meeting, number: int) -> MinutesVersion:
    return get_object_or_404(MinutesVersion, meeting=meeting, version=number)


@login_required
def minutes_detail(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    latest = selectors.latest_version(meeting=meeting)
    return render(
        request,
        "minutes/detail.html",
        {
            "meeting": meeting,
            "latest": latest,
            "versions": selectors.list_versions(meeting=meeting),
            "approvals": selectors.list_approvals(version=latest) if latest else [],
            "approval": approval_block(version=latest) if latest else None,
            "can_edit": policies.can_edit_minutes(user=request.user, meeting=meeting),
            "can_approve": policies.can_approve_minutes(
                user=request.user, meeting=meeting
            ),
            "can_finalise": policies.can_finalise_minutes(
                user=request.user, meeting=meeting
            ),
            "approval_form": ApprovalForm(meeting=meeting),
            "presiding": selectors.presiding_user_id(meeting=meeting),
            "presiding_candidates": selectors.presiding_candidates(meeting=meeting),
        },
    )


@login_required
@require_POST
def minutes_presiding(request: HttpRequest, pk: str) -> HttpResponse:
    """The secretary records who presided in the chair's absence (R58)."""
    meeting = _meeting_for(request, pk)
    user = next(
        (
            m.user
            for m in selectors.presiding_candidates(meeting=meeting)
            if str(m.user_id) == request.POST.get("user")
        ),
        None,
    )
    if user is None:
        messages.error(request, _("Choose a member who attended."))
        return redirect("minutes:detail", pk=meeting.pk)
    try:
        services.designate_presiding(
            actor=actor_of(request),
            meeting=meeting,
            user=user,
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Who presided was recorded."))
    return redirect("minutes:detail", pk=meeting.pk)


@login_required
@require_POST
def minutes_draft(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    try:
        services.draft_minutes(actor=actor_of(request), meeting=meeting)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The minutes were drafted from the record."))
    return redirect("minutes:detail", pk=meeting.pk)


@login_required
def minutes_edit(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    if not policies.can_edit_minutes(user=request.user, meeting=meeting):
        raise Http404
    latest = selectors.latest_version(meeting=meeting)
    if latest is None:
        return redirect("minutes:detail", pk=meeting.pk)
    form = MinutesEditForm(request.POST or None, content=latest.content)
    if request.method == "POST" and form.is_valid():
        change = services.correct_minutes if latest.is_locked else services.edit_minutes
        try:
            change(
                actor=actor_of(request),
                version=latest,
                discussions=form.discussions(),
                absent_reasons=form.absent_reasons(),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("A new version of the minutes was saved."))
            return redirect("minutes:detail", pk=meeting.pk)
    return render(
        request,
        "minutes/edit.html",
        {"meeting": meeting, "latest": latest, "form": form},
    )


def _approval(
    request: HttpRequest, pk: str, version: int, *, finalise: bool
) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    target = _version(meeting, version)
    form = ApprovalForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            if finalise:
                services.approve_minutes(
                    actor=actor_of(request),
                    version=target,
                    method=form.cleaned_data["method"],
                    at_meeting=form.cleaned_data["at_meeting"],
                )
            else:
                services.record_minutes_approval(
                    actor=actor_of(request),
                    version=target,
                    method=form.cleaned_data["method"],
                    at_meeting=form.cleaned_data["at_meeting"],
                )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Your approval was recorded."))
    else:
        messages.error(request, _("Choose how the minutes were approved."))
    return redirect("minutes:detail", pk=meeting.pk)


@login_required
@require_POST
def minutes_approval(request: HttpRequest, pk: str, version: int) -> HttpResponse:
    return _approval(request, pk, version, finalise=False)


@login_required
@require_POST
def minutes_approve(request: HttpRequest, pk: str, version: int) -> HttpResponse:
    return _approval(request, pk, version, finalise=True)


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    return protect_download(
        HttpResponse(data, content_type=content_type), filename=name
    )


@login_required
def minutes_pdf(request: HttpRequest, pk: str, version: int) -> HttpResponse:
    target = _version(_meeting_for(request, pk), version)
    return _download(
        bytes(target.signed_pdf)
        if target.signed_pdf
        else render_minutes_pdf(target.content, approval_block(version=target)),
        "application/pdf",
        f"minutes-v{target.version}.pdf",
    )


@login_required
def minutes_docx(request: HttpRequest, pk: str, version: int) -> HttpResponse:
    target = _version(_meeting_for(request, pk), version)
    return _download(
        render_minutes_docx(target.content, approval_block(version=target)),
        DOCX_TYPE,
        f"minutes-v{target.version}.docx",
    )
