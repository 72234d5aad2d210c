"""The challenges page (คัดค้าน; APA ss.13-17, R75, R76): file a written challenge of a
member on an item, the chair or secretary records the meeting's decision, and the
chair flags an earlier resolution for redo. The same services as the REST API."""

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

from prachum.committees.selectors import list_members
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.form_fields import TextField
from prachum.core.web import add_service_error
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting
from prachum.voting import challenges, policies
from prachum.voting.models import Challenge, Poll, PollStatus, RecusalGround, Resolution


class ChallengeForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("Agenda item"))
    member = forms.ChoiceField(label=gettext_lazy("Member challenged"))
    ground = forms.ChoiceField(
        label=gettext_lazy("Legal ground"),
        choices=[("", "—"), *RecusalGround.choices],
        required=False,
        help_text=gettext_lazy(
            "A ground under APA s.13 is addressed to the chair; a ground under s.16 to the member challenged."
        ),
    )
    facts = TextField(
        label=gettext_lazy("Facts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    challenger_name = TextField(
        label=gettext_lazy("Challenged by (if handed in by another party)"),
        max_length=challenges.NAME_MAX,
        required=False,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = meeting.agenda_items.filter(is_removed=False).order_by("position")
        voting = list_members(committee=meeting.committee).filter(is_voting=True)
        item_field, member_field = self.fields["item"], self.fields["member"]
        assert isinstance(item_field, forms.ChoiceField)
        assert isinstance(member_field, forms.ChoiceField)
        item_field.choices = [(str(i.pk), i.title) for i in items]
        member_field.choices = [(str(m.user_id), m.user.display_name) for m in voting]


class DecisionForm(forms.Form):
    votes_continue = forms.IntegerField(
        label=gettext_lazy("Votes to let the member continue"), min_value=0
    )
    votes_remove = forms.IntegerField(label=gettext_lazy("Votes against"), min_value=0)
    abstentions = forms.IntegerField(
        label=gettext_lazy("Abstentions"), min_value=0, initial=0, required=False
    )
    poll = forms.UUIDField(label=gettext_lazy("Vote held (optional)"), required=False)


def _meeting(request: HttpRequest, pk: Any) -> Meeting:
    return get_meeting_for(actor_of(request), pk, may=policies.can_view_polls)


def _page(request: HttpRequest, meeting: Meeting, form: ChallengeForm) -> HttpResponse:
    actor = actor_of(request)
    rows = Challenge.objects.filter(item__meeting=meeting).select_related(
        "item", "member", "poll"
    )
    closed_polls = Poll.objects.filter(
        item__meeting=meeting, status=PollStatus.CLOSED
    ).select_related("item")
    return render(
        request,
        "voting/challenges.html",
        {
            "meeting": meeting,
            "form": form,
            "challenges": rows.order_by("filed_at"),
            "closed_polls": closed_polls,
            "keeper": policies.can_record_for_item(user=actor, meeting=meeting),
            "is_chair": policies.can_flag_redo(user=actor, meeting=meeting),
            "resolutions": Resolution.objects.filter(item__meeting=meeting)
            .select_related("item")
            .order_by("at"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def challenge_page(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = ChallengeForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = meeting.agenda_items.filter(pk=data["item"]).first()
        member = list_members(committee=meeting.committee).filter(
            user_id=data["member"]
        )
        membership = member.select_related("user").first()
        if item is None or membership is None:
            raise Http404
        try:
            challenges.file_challenge(
                actor=actor_of(request),
                item=item,
                member=membership.user,
                ground=data["ground"],
                facts=data["facts"],
                challenger_name=data["challenger_name"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Challenge recorded."))
            return redirect("attendance:challenges", pk=meeting.pk)
    return _page(request, meeting, form)


@login_required
@require_POST
def decide(request: HttpRequest, pk: Any, challenge_pk: Any) -> HttpResponse:
    meeting = _meeting(request, pk)
    challenge = Challenge.objects.filter(item__meeting=meeting, pk=challenge_pk).first()
    form = DecisionForm(request.POST)
    if challenge is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Enter the number of votes."))
        return redirect("attendance:challenges", pk=meeting.pk)
    data = form.cleaned_data
    poll = (
        Poll.objects.filter(item=challenge.item, pk=data["poll"]).first()
        if data["poll"]
        else None
    )
    try:
        decided = challenges.decide_challenge(
            actor=actor_of(request),
            challenge=challenge,
            votes_continue=data["votes_continue"],
            votes_remove=data["votes_remove"],
            abstentions=data["abstentions"] or 0,
            poll=poll,
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(decided.get_outcome_display()))
    return redirect("attendance:challenges", pk=meeting.pk)


@login_required
@require_POST
def redo(request: HttpRequest, pk: Any, resolution_pk: Any) -> HttpResponse:
    meeting = _meeting(request, pk)
    resolution = Resolution.objects.filter(
        item__meeting=meeting, pk=resolution_pk
    ).first()
    if resolution is None:
        raise Http404
    try:
        challenges.flag_redo(
            actor=actor_of(request),
            resolution=resolution,
            requested=request.POST.get("requested") != "0",
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Resolution flag saved."))
    return redirect("attendance:challenges", pk=meeting.pk)
