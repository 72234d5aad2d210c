"""Operators' pages for agencies: list, add, edit (with the Garuda emblem), the emblem."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from prachum.committees import agencies, policies, selectors
from prachum.committees.forms import AgencyForm, NewAgencyForm
from prachum.committees.models import Agency
from prachum.core.actors import actor_of
from prachum.core.downloads import protect_inline
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error


def _operator_only(request: HttpRequest) -> None:
    if not policies.can_manage_agencies(user=request.user):
        raise Http404


def _fields(form: AgencyForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    upload = data.pop("garuda", None)
    # One byte past the limit is enough for the service to refuse a large file.
    data["garuda"] = upload.read(agencies.GARUDA_MAX_BYTES + 1) if upload else None
    return data


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    _operator_only(request)
    return render(
        request,
        "committees/agencies/list.html",
        {"agencies": selectors.list_agencies()},
    )


@login_required
def agency_create(request: HttpRequest) -> HttpResponse:
    _operator_only(request)
    form = NewAgencyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agencies.create_agency(actor=actor_of(request), **_fields(form))
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The agency is recorded."))
            return redirect("committees:agency_edit", pk=agency.pk)
    return render(
        request, "committees/agencies/form.html", {"form": form, "agency": None}
    )


@login_required
def agency_edit(request: HttpRequest, pk: str) -> HttpResponse:
    _operator_only(request)
    agency = get_object_or_404(Agency, pk=pk)
    initial = {
        name: getattr(agency, name)
        for name in AgencyForm.base_fields
        if name != "garuda"
    }
    form = AgencyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agencies.update_agency(
                actor=actor_of(request), agency=agency, **_fields(form)
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The agency is saved."))
            return redirect("committees:agency_edit", pk=agency.pk)
    return render(
        request,
        "committees/agencies/form.html",
        {
            "form": form,
            "agency": agency,
            "committees": agency.committees.order_by("name"),
        },
    )


@login_required
@require_GET
def agency_garuda(request: HttpRequest, pk: str) -> HttpResponse:
    """The stored emblem, as stored, with its media type (for the edit page and letters)."""
    agency = get_object_or_404(Agency, pk=pk)
    data = bytes(agency.garuda)
    content_type = agencies.garuda_content_type(data)
    if content_type is None:
        raise Http404
    response = protect_inline(HttpResponse(data, content_type=content_type))
    response["Cache-Control"] = "private, max-age=300"
    return response
