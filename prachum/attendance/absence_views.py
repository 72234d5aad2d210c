"""The leave page (ลาประชุม): a member records their own leave with a reason; the chair
or the secretary records it for a member, and either withdraws it if they come."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from prachum.attendance import absence as absences
from prachum.attendance import policies
from prachum.attendance.models import Absence
from prachum.committees.models import Role
from prachum.committees.selectors import list_members
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.form_fields import TextField
from prachum.core.web import add_service_error
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting


class AbsenceForm(forms.Form):
    member = forms.ChoiceField(label=gettext_lazy("Member"), required=False)
    reason = TextField(
        label=gettext_lazy("Reason for leave"),
        max_length=absences.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        if choices:
            member = self.fields["member"]
            assert isinstance(member, forms.ChoiceField)
            member.choices = choices
            member.required = True
        else:
            del self.fields["member"]


def _choices(meeting: Meeting, *, keeper: bool) -> list[tuple[str, str]]:
    if not keeper:
        return []
    return [
        (str(m.user_id), f"{m.user.display_name} ({m.get_role_display()})")
        for m in list_members(committee=meeting.committee).exclude(role=Role.INVITEE)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def absence(request: HttpRequest, pk: Any) -> HttpResponse:
    actor = actor_of(request)
    meeting = get_meeting_for(actor, pk, may=policies.is_participant)
    keeper = absences.can_record_absence(user=actor, meeting=meeting, member=None)
    form = AbsenceForm(request.POST or None, choices=_choices(meeting, keeper=keeper))
    if request.method == "POST" and form.is_valid():
        member: Any = actor
        if keeper:
            found = list_members(committee=meeting.committee).filter(
                user_id=form.cleaned_data["member"]
            )
            membership = found.select_related("user").first()
            if membership is None:
                raise Http404
            member = membership.user
        try:
            absences.record_absence(
                actor=actor,
                meeting=meeting,
                member=member,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Leave recorded."))
            return redirect("attendance:absence", pk=meeting.pk)
    standing = absences.standing_absences(meeting=meeting)
    if not keeper:
        standing = standing.filter(member=actor)
    return render(
        request,
        "attendance/absence.html",
        {
            "meeting": meeting,
            "form": form,
            "keeper": keeper,
            "absences": standing,
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: Any, absence_pk: Any) -> HttpResponse:
    actor = actor_of(request)
    meeting = get_meeting_for(actor, pk, may=policies.is_participant)
    leave = Absence.objects.filter(meeting=meeting, pk=absence_pk).first()
    if leave is None or not absences.can_record_absence(
        user=actor, meeting=meeting, member=leave.member
    ):
        raise Http404
    try:
        absences.withdraw_absence(actor=actor, absence=leave)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Leave withdrawn."))
    return redirect("attendance:absence", pk=meeting.pk)
