"""Operators' pages for people's access (R14), instead of the Django admin.

An operator finds a person, sends the invitation again, resets the second factor or
unlocks the account. Each act goes through a service that records it in the
person's chain and mails the person.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from prachum.accounts import factors, invitations, login, selectors
from prachum.accounts import session_keys as keys
from prachum.accounts.forms import PeopleSearchForm
from prachum.accounts.models import User
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError


def operators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Both factors passed in this session, and ``is_staff``; else 403 in Thai."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (
            request.user.is_authenticated and request.session.get(keys.SECOND_FACTOR_OK)
        ):
            return redirect_to_login(
                request.get_full_path(), resolve_url(settings.LOGIN_URL)
            )
        if not request.user.is_staff:
            return HttpResponseForbidden(_("This page is for operators only."))
        return view(request, *args, **kwargs)

    return wrapper


@operators_only
@require_GET
def people_view(request: HttpRequest) -> HttpResponse:
    form = PeopleSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    people = list(selectors.search_people(query=query))
    rows = [(person, selectors.person_status(user=person)) for person in people]
    return render(
        request, "accounts/people.html", {"form": form, "rows": rows, "query": query}
    )


@operators_only
@require_GET
def person_view(request: HttpRequest, pk: str) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    return render(
        request,
        "accounts/person.html",
        {"person": person, "status": selectors.person_status(user=person)},
    )


_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "invite": (
        lambda actor, user: invitations.invite_person(actor=actor, user=user),
        gettext_lazy("The invitation was sent again; earlier links no longer work."),
    ),
    "reset_factor": (
        lambda actor, user: factors.reset_second_factor(actor=actor, user=user),
        gettext_lazy(
            "The second factor was reset; the person sets it up again at the "
            "next login."
        ),
    ),
    "unlock": (
        lambda actor, user: login.unlock_account(actor=actor, user=user),
        gettext_lazy("The account was unlocked."),
    ),
}


@operators_only
@require_POST
def person_action_view(request: HttpRequest, pk: str, action: str) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    if action not in _ACTIONS:
        return HttpResponseForbidden(_("Unknown action."))
    act, done = _ACTIONS[action]
    try:
        act(actor_of(request), person)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(done)s A message was sent to %(email)s.")
            % {"done": done, "email": person.email},
        )
    return redirect("accounts:person", pk=person.pk)
