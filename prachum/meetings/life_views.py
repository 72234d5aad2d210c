"""Pages for a meeting's life: postpone, cancel, delete a draft, follow up an adjourned
meeting (ADR 0015). Each is the secretariat's; each calls one service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error
from prachum.meetings import life
from prachum.meetings.forms import (
    CancelForm,
    DeleteDraftForm,
    FollowUpForm,
    RescheduleForm,
)
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting
from prachum.meetings.policies import can_prepare_meeting
from prachum.notices import changes
from prachum.notices.forms import SignatoryField

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _local(value: Any) -> str:
    return str(timezone.localtime(value).strftime(LOCAL_INPUT))


def _page(
    request: HttpRequest,
    meeting: Meeting,
    form: forms.Form,
    *,
    heading: str,
    intro: str,
    button: str,
    page: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "meetings/life_form.html",
        {
            "meeting": meeting,
            "form": form,
            "heading": heading,
            "intro": intro,
            "button": button,
            "page": page,
        },
        status=status,
    )


@login_required
def reschedule(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk, may=can_prepare_meeting)
    form = RescheduleForm(
        request.POST or None,
        initial={
            "starts_at": _local(meeting.starts_at),
            "ends_at": _local(meeting.ends_at),
            "venue": meeting.venue,
        },
    )
    form.fields["signatory"] = SignatoryField()
    if request.method == "POST" and form.is_valid():
        try:
            notice = changes.reschedule_meeting(
                actor=actor_of(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The meeting is postponed; notice %(number)s sent to %(n)d people.")
                % {"number": notice.letter_number, "n": notice.messages.count()},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return _page(
        request,
        meeting,
        form,
        heading=_("Postpone or move the meeting"),
        intro=_(
            "Everyone receives a new notice that says the meeting is postponed, with the "
            "old and the new date. The notice period of the Administrative Procedure Act "
            "section 80 applies to the new date unless the chair has convened urgently."
        ),
        button=_("Postpone and send the new notice"),
        page="reschedule",
        status=400 if form.errors else 200,
    )


@login_required
def cancel(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk, may=can_prepare_meeting)
    form = CancelForm(request.POST or None)
    form.fields["signatory"] = SignatoryField()
    if request.method == "POST" and form.is_valid():
        try:
            notice = changes.cancel_meeting(
                actor=actor_of(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The meeting is cancelled; notice %(number)s sent to %(n)d people.")
                % {"number": notice.letter_number, "n": notice.messages.count()},
            )
            return redirect("meetings:detail", pk=meeting.pk)
    return _page(
        request,
        meeting,
        form,
        heading=_("Cancel the meeting"),
        intro=_(
            "Everyone who received the notice receives a cancellation letter with the "
            "reason. A cancelled meeting cannot be opened."
        ),
        button=_("Cancel the meeting and send the letter"),
        page="cancel",
        status=400 if form.errors else 200,
    )


@login_required
def delete_draft(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk, may=can_prepare_meeting)
    form = DeleteDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            life.delete_draft(
                actor=actor_of(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The draft meeting is deleted."))
            return redirect("meetings:home")
    return _page(
        request,
        meeting,
        form,
        heading=_("Delete the draft meeting"),
        intro=_(
            "Only a draft whose notice was never sent can be deleted. It disappears from "
            "every list and takes no meeting number; its record is kept."
        ),
        button=_("Delete the draft"),
        page="delete",
        status=400 if form.errors else 200,
    )


@login_required
def follow_up(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = get_meeting_for(actor_of(request), pk, may=can_prepare_meeting)
    start = timezone.localtime() + timedelta(days=7)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    form = FollowUpForm(
        request.POST or None,
        initial={
            "starts_at": _local(start),
            "ends_at": _local(start + (meeting.ends_at - meeting.starts_at)),
            "venue": meeting.venue,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = life.schedule_follow_up(
                actor=actor_of(request), adjourned=meeting, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The follow-up meeting is scheduled; send its notice."),
            )
            return redirect("meetings:detail", pk=created.pk)
    return _page(
        request,
        meeting,
        form,
        heading=_("Follow up a meeting adjourned for want of quorum"),
        intro=_(
            "A new meeting on the same matters (Administrative Procedure Act section 79 "
            "paragraph 2). Its notice says it follows the adjourned meeting; held within "
            "14 days, one third of the members make the quorum."
        ),
        button=_("Schedule the follow-up meeting"),
        page="follow_up",
        status=400 if form.errors else 200,
    )
