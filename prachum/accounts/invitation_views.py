"""The page behind an invitation's one-time link: the person sets a password (R14)."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import password_validation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from prachum.accounts import invitations, selectors
from prachum.accounts.forms import SetPasswordForm
from prachum.core.errors import ServiceError
from prachum.core.web import client_ip


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/invitation_invalid.html", status=410)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitations.find_invitation(token=token)
    if (
        invitation is None
        or selectors.invitation_state(invitation) != selectors.InvitationState.VALID
    ):
        if request.method == "POST":
            # Records the refusal in the person's chain when the link is theirs.
            with contextlib.suppress(ServiceError):
                invitations.accept_invitation(
                    token=token,
                    password="",
                    ip_address=client_ip(request) or None,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
        return _invalid(request)
    person = invitation.user
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept_invitation(
                token=token,
                password=form.cleaned_data["password1"],
                ip_address=client_ip(request) or None,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ServiceError as exc:
            if exc.code == "INVITATION_INVALID":
                return _invalid(request)
            form.add_error("password1", str(exc.message))
        else:
            # Whoever was logged in on this browser (the secretary who opened the
            # outbox) is logged out: the person logs in with the new password.
            auth_logout(request)
            messages.success(
                request,
                _("Your password is set. Log in with your username %(username)s.")
                % {"username": user.username},
            )
            return redirect(
                reverse("accounts:login") + "?" + urlencode({"username": user.username})
            )
    return render(
        request,
        "accounts/invitation.html",
        {
            "person": person,
            "form": form,
            "expires_at": invitation.expires_at,
            "help_texts": password_validation.password_validators_help_texts(),
            "someone_else": request.user.is_authenticated
            and request.user.pk != person.pk,
        },
    )
