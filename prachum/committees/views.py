from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from prachum.committees import policies, rates, selectors, services
from prachum.committees.forms import (
    AllowanceRateForm,
    CommitteeForm,
    PositionTitleForm,
    RosterImportForm,
    committee_rules,
)
from prachum.committees.models import Committee, Membership
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error


def _committee_for(request: HttpRequest, pk: str) -> Committee:
    committee = get_object_or_404(Committee.objects.select_related("agency"), pk=pk)
    if not policies.can_view_committee(user=request.user, committee=committee):
        raise Http404
    return committee


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    committees = selectors.list_committees_for(user=request.user)
    can_create = request.user.is_staff or any(
        policies.can_manage_committee(user=request.user, committee=c)
        for c in committees
    )
    return render(
        request,
        "committees/list.html",
        {
            "committees": committees,
            "can_create": can_create,
            "can_manage_agencies": policies.can_manage_agencies(user=request.user),
        },
    )


@login_required
def committee_create(request: HttpRequest) -> HttpResponse:
    """A new committee under one of the agencies the creator may use; a secretary who
    creates it becomes its secretary and lands on its page."""
    agencies = selectors.agencies_for_new_committee(user=request.user)
    form = CommitteeForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        agency = fields.pop("agency")
        try:
            committee = services.create_committee(
                actor=actor_of(request), agency=agency, **fields
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Committee created."))
            return redirect("committees:detail", pk=committee.pk)
    return render(
        request,
        "committees/create.html",
        {"form": form, "has_agency": agencies.exists()},
    )


@login_required
def committee_detail(request: HttpRequest, pk: str) -> HttpResponse:
    committee = _committee_for(request, pk)
    can_manage = policies.can_manage_committee(user=request.user, committee=committee)
    form = RosterImportForm()
    errors = None
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                created = services.import_roster_csv(
                    actor=actor_of(request),
                    committee=committee,
                    data=form.cleaned_data["file"].read(),
                )
            except services.RosterImportError as exc:
                errors = exc.errors
                messages.error(request, str(exc.message))
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(n)d people added to the roster. People new to Prachum "
                        "are sent an e-mail invitation to set their password."
                    )
                    % {"n": len(created)},
                )
                return redirect("committees:detail", pk=committee.pk)
    return render(
        request,
        "committees/detail.html",
        {
            "committee": committee,
            "members": selectors.list_members(committee=committee),
            "rates": selectors.rates_for(committee=committee),
            "rules": committee_rules(committee),
            "can_manage": can_manage,
            "form": form,
            "row_errors": errors,
            "meetings": committee.meetings.order_by("-starts_at")[:20],
        },
    )


@login_required
def member_position(request: HttpRequest, pk: str) -> HttpResponse:
    """Set one member's position in the committee from the roster table (POST only)."""
    committee = _committee_for(request, pk)
    if request.method != "POST" or not policies.can_manage_committee(
        user=request.user, committee=committee
    ):
        raise Http404
    form = PositionTitleForm(request.POST)
    if form.is_valid():
        membership = get_object_or_404(
            Membership, pk=form.cleaned_data["membership"], committee=committee
        )
        try:
            services.set_member_position(
                actor=actor_of(request),
                membership=membership,
                position_title=form.cleaned_data["position_title"],
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Position in the committee saved."))
    else:
        messages.error(request, _("The position was not saved."))
    return redirect("committees:detail", pk=committee.pk)


@login_required
def allowance_rates(request: HttpRequest, pk: str) -> HttpResponse:
    """The committee's allowance rates with their dates (R57); the secretary adds one."""
    committee = _committee_for(request, pk)
    can_manage = policies.can_manage_committee(user=request.user, committee=committee)
    form = AllowanceRateForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            try:
                rates.set_allowance_rate(
                    actor=actor_of(request), committee=committee, **form.cleaned_data
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The allowance rate is recorded."))
                return redirect("committees:rates", pk=committee.pk)
    return render(
        request,
        "committees/rates.html",
        {
            "committee": committee,
            "rates": selectors.rates_for(committee=committee),
            "form": form,
            "can_manage": can_manage,
        },
    )
