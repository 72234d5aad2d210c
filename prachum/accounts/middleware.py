"""Only people who passed both factors get past the login pages (R14)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from prachum.accounts import session_freshness
from prachum.accounts.session_keys import SECOND_FACTOR_OK

# What a session that passed only the password may still reach.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")
API_PREFIX = "/api/"
ADMIN_PREFIX = "/ops/admin/"


class SecondFactorRequiredMiddleware:
    """Hold back sessions that are logged in but have not passed the second factor.

    Such a session may reach only ``OPEN_PREFIXES``: pages are redirected to the
    login page, ``/api/`` gets ``401 {"code": "SECOND_FACTOR_REQUIRED"}``. The
    Django admin (``/ops/admin/``) is for operators only: it needs ``is_staff``
    and the second factor, and its own password-only login page is never shown.
    A session whose person must enrol a second factor again (an operator reset it
    meanwhile) is logged out.

    WebSocket connections do not pass through here; consumers must check
    ``scope["session"]["second_factor_ok"]`` themselves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        verified = authenticated and bool(request.session.get(SECOND_FACTOR_OK))
        if verified and getattr(user, "second_factor_enrolment_required", False):
            # An operator reset the factor during this session: it ends here, and
            # the next login enrols a factor before any page.
            auth_logout(request)
            authenticated = verified = False
        if path.startswith(ADMIN_PREFIX):
            if not verified:
                return self._to_login(request)
            if not getattr(user, "is_staff", False):
                return HttpResponseForbidden(_("This page is for operators only."))
        elif authenticated and not verified and not path.startswith(OPEN_PREFIXES):
            if path.startswith(API_PREFIX):
                return JsonResponse(
                    {
                        "code": "SECOND_FACTOR_REQUIRED",
                        "message": _("Finish logging in with your second factor."),
                    },
                    status=401,
                )
            return self._to_login(request)
        return self.get_response(request)

    @staticmethod
    def _to_login(request: HttpRequest) -> HttpResponse:
        return redirect_to_login(
            request.get_full_path(), resolve_url(settings.LOGIN_URL)
        )


class SessionFreshnessMiddleware:
    """End sessions idle too long or past their absolute lifetime (issue 15, F9).

    Runs after the message middleware. An expired session is logged out: a page
    goes to the login page with a message saying why, ``/api/`` gets
    ``401 {"code": "SESSION_EXPIRED"}``. Otherwise the request counts as activity
    (saved at most once a minute, see ``session_freshness``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if session_freshness.expired(request.session):
            auth_logout(request)
            message = _(
                "Your session has ended because it was idle too long or reached its "
                "time limit. Please log in again."
            )
            if request.path_info.startswith(API_PREFIX):
                return JsonResponse(
                    {"code": "SESSION_EXPIRED", "message": message}, status=401
                )
            messages.info(request, message)
            return redirect_to_login(
                request.get_full_path(), resolve_url(settings.LOGIN_URL)
            )
        session_freshness.touch(request.session)
        return self.get_response(request)
