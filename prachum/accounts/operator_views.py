"""Operators' pages for people's access (R14), instead of the Django admin.

An operator finds a person, sends the invitation again, resets the second factor,
unlocks the account, changes the e-mail address, resets the password (a new
one-time link; nobody types a password for someone else), closes or reopens the
account and gives or takes away the operator flag. Each act goes through a service
that records it in the person's chain with the operator's identity and mails the
person (:mod:`prachum.accounts.operator_acts`).
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

from prachum.accounts import factors, invitations, login, operator_acts, selectors
from prachum.accounts import session_keys as keys
from prachum.accounts.forms import ChangeEmailForm, PeopleSearchForm
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
    return _person_page(request, person, ChangeEmailForm())


def _person_page(
    request: HttpRequest, person: User, email_form: ChangeEmailForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/person.html",
        {
            "person": person,
            "status": selectors.person_status(user=person),
            "email_form": email_form,
            "is_self": person.pk == request.user.pk,
        },
        status=status,
    )


@operators_only
@require_POST
def person_email_view(request: HttpRequest, pk: str) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    previous = person.email
    form = ChangeEmailForm(request.POST)
    if form.is_valid():
        try:
            person = operator_acts.change_email(
                actor=actor_of(request), user=person, email=form.cleaned_data["email"]
            )
        except ServiceError as exc:
            form.add_error("email", str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "The e-mail address was changed. A message was sent to the "
                    "previous address %(previous)s and to the new address %(email)s."
                )
                % {"previous": previous, "email": person.email},
            )
            return redirect("accounts:person", pk=person.pk)
    person.refresh_from_db()
    return _person_page(request, person, form, status=400)


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
    "reset_password": (
        lambda actor, user: operator_acts.reset_password(actor=actor, user=user),
        gettext_lazy(
            "The password was reset: the old one no longer works and a one-time "
            "link to set a new one was sent."
        ),
    ),
    "deactivate": (
        lambda actor, user: operator_acts.set_active(
            actor=actor, user=user, active=False
        ),
        gettext_lazy("The account was closed."),
    ),
    "reactivate": (
        lambda actor, user: operator_acts.set_active(
            actor=actor, user=user, active=True
        ),
        gettext_lazy("The account was reopened."),
    ),
    "make_operator": (
        lambda actor, user: operator_acts.set_operator(
            actor=actor, user=user, operator=True
        ),
        gettext_lazy("The person is now a system operator."),
    ),
    "remove_operator": (
        lambda actor, user: operator_acts.set_operator(
            actor=actor, user=user, operator=False
        ),
        gettext_lazy("The person is no longer a system operator."),
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
