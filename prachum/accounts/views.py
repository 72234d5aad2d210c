"""Log in with a password and a second factor (R14); manage the factors."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from prachum.accounts import factors, login, selectors, session_freshness
from prachum.accounts import session_keys as keys
from prachum.accounts.forms import LoginForm, SecondFactorForm, TotpConfirmForm
from prachum.accounts.models import SecondFactor, User
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.web import client_ip

# How long the password step stays valid while the second factor is awaited.
PENDING_MAX_AGE_SECONDS = 15 * 60
_AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"

View = Callable[[HttpRequest], HttpResponse]


def _client(request: HttpRequest) -> tuple[str | None, str]:
    """Address (``X-Forwarded-For`` only from ``TRUSTED_PROXIES``) and user agent."""
    return client_ip(request) or None, request.META.get("HTTP_USER_AGENT", "")


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    """``candidate`` if it points into this site, else ``None`` (no open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _is_fully_logged_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated and bool(
        request.session.get(keys.SECOND_FACTOR_OK)
    )


def second_factor_required(view: View) -> View:
    """Let only people who passed both factors in this session through."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not _is_fully_logged_in(request):
            return redirect_to_login(
                request.get_full_path(), resolve_url(settings.LOGIN_URL)
            )
        return view(request)

    return wrapper


def _clear_pending(request: HttpRequest) -> None:
    for key in (keys.PENDING_USER_ID, keys.PENDING_SINCE, keys.NEXT_URL):
        request.session.pop(key, None)


def _begin_pending(request: HttpRequest, user: User, next_url: str | None) -> None:
    if request.user.is_authenticated:
        # A session logged in by another path (or as someone else) starts afresh.
        auth_logout(request)
    else:
        request.session.cycle_key()  # no session fixation across the password step
    request.session[keys.PENDING_USER_ID] = str(user.pk)
    request.session[keys.PENDING_SINCE] = time.time()
    if next_url:
        request.session[keys.NEXT_URL] = next_url


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(keys.PENDING_USER_ID)
    since = request.session.get(keys.PENDING_SINCE)
    if not user_id or not isinstance(since, int | float):
        return None
    if time.time() - since > PENDING_MAX_AGE_SECONDS:
        _clear_pending(request)
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if _is_fully_logged_in(request):
        return redirect(
            _safe_next(request, request.GET.get("next")) or settings.LOGIN_REDIRECT_URL
        )
    form = LoginForm(
        request.POST or None,
        initial={
            "next": request.GET.get("next", ""),
            "username": request.GET.get("username", "")[:150],
        },
    )
    offer_recovery = bool(request.POST.get("recovery_code"))
    if request.method == "POST" and form.is_valid():
        ip_address, user_agent = _client(request)
        recovery_code = form.cleaned_data["recovery_code"]
        try:
            user = login.authenticate_password(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip_address=ip_address,
                user_agent=user_agent,
                recovery_code=recovery_code,
            )
            if recovery_code:
                login.verify_second_factor(
                    user=user,
                    method="recovery",
                    code=recovery_code,
                    ip_address=ip_address,
                    user_agent=user_agent,
                )
        except ServiceError as exc:
            form.add_error(None, str(exc.message))
            offer_recovery = offer_recovery or exc.code == "LOGIN_SLOWED"
        else:
            _begin_pending(
                request, user, _safe_next(request, form.cleaned_data["next"])
            )
            if recovery_code:
                return _complete_login(request, user)
            if user.second_factor_enrolment_required:
                return redirect("accounts:enrol")
            if selectors.effective_second_factor(user=user) == SecondFactor.EMAIL:
                try:
                    login.send_email_code(user=user)
                except ServiceError as exc:
                    # Throttled: the code sent a moment ago is still valid.
                    if exc.code != "EMAIL_CODE_THROTTLED":
                        messages.error(request, str(exc.message))
            return redirect("accounts:second_factor")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "offer_recovery": offer_recovery},
    )


def _log_in(request: HttpRequest, user: User) -> str:
    """Log ``user`` in with both factors passed; return where to go next."""
    next_url = request.session.get(keys.NEXT_URL)
    _clear_pending(request)
    request.session.pop(keys.ENROL_EMAIL, None)
    auth_login(request, user, backend=_AUTH_BACKEND)
    request.session[keys.SECOND_FACTOR_OK] = True
    session_freshness.start(request.session)
    return _safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _complete_login(request: HttpRequest, user: User) -> HttpResponse:
    return redirect(_log_in(request, user))


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    if _is_fully_logged_in(request):
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Please log in with your username and password."))
        return redirect("accounts:login")
    if user.second_factor_enrolment_required and not request.session.get(
        keys.ENROL_EMAIL
    ):
        return redirect("accounts:enrol")
    factor = selectors.effective_second_factor(user=user)
    primary_form = SecondFactorForm(method=factor.value)
    recovery_form = SecondFactorForm(method="recovery", auto_id="id_recovery_%s")
    if request.method == "POST":
        method = request.POST.get("method")
        if method not in {factor.value, "recovery"}:
            return HttpResponseBadRequest()
        form = SecondFactorForm(
            request.POST,
            method=method,
            auto_id="id_recovery_%s" if method == "recovery" else "id_%s",
        )
        if method == "recovery":
            recovery_form = form
        else:
            primary_form = form
        if form.is_valid():
            ip_address, user_agent = _client(request)
            try:
                login.verify_second_factor(
                    user=user,
                    method=form.cleaned_data["method"],
                    code=form.cleaned_data["code"],
                    ip_address=ip_address,
                    user_agent=user_agent,
                )
            except ServiceError as exc:
                if exc.code == "LOGIN_LOCKED":
                    _clear_pending(request)
                    messages.error(request, str(exc.message))
                    return redirect("accounts:login")
                form.add_error("code", str(exc.message))
            else:
                if user.second_factor_enrolment_required:
                    factors.finish_enrolment(
                        user=user,
                        method=form.cleaned_data["method"],
                        ip_address=ip_address,
                        user_agent=user_agent,
                    )
                return _complete_login(request, user)
    # The code is shown only in an explicit demonstration (issue 15, F1).
    show_code = settings.DEMO_MODE and not settings.EMAIL_URL
    demo_message = None
    if factor == SecondFactor.EMAIL and show_code:
        demo_message = selectors.latest_outbox_login_code(user=user)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "pending_user": user,
            "factor": factor.value,
            "form": primary_form,
            "recovery_form": recovery_form,
            "code_minutes": settings.EMAIL_OTP_MINUTES,
            "show_code": show_code,
            "demo_message": demo_message,
            "enrolling": user.second_factor_enrolment_required,
        },
    )


@never_cache
@require_POST
def resend_code_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if selectors.effective_second_factor(user=user) != SecondFactor.EMAIL:
        return HttpResponseBadRequest()
    try:
        login.send_email_code(user=user)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A new code has been sent to your e-mail address."))
    return redirect("accounts:second_factor")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)  # flushes the session, pending login included
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@never_cache
@second_factor_required
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    if request.method == "POST":
        if request.POST.get("action") != "use_email":
            return HttpResponseBadRequest()
        factors.switch_to_email_codes(user=user, actor=user)
        messages.success(
            request, _("From now on, log-in codes are sent to your e-mail address.")
        )
        return redirect("accounts:security")
    return render(
        request,
        "accounts/security.html",
        {
            "factor": selectors.effective_second_factor(user=user).value,
            "recovery_codes_left": selectors.unused_recovery_code_count(user=user),
            "last_verified_at": selectors.latest_second_factor_at(user=user),
        },
    )


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _confirm_totp(form: TotpConfirmForm, user: User) -> list[str] | None:
    """The recovery codes once the pending authenticator is confirmed; else None, with
    the reason on the form."""
    if not form.is_valid():
        return None
    try:
        return factors.confirm_totp_enrolment(user=user, code=form.cleaned_data["code"])
    except ServiceError as exc:
        form.add_error("code", str(exc.message))
        return None


def _pending_secret(user: User) -> dict[str, Any]:
    """The QR code and the grouped key of the authenticator being enrolled."""
    uri = selectors.pending_totp_uri(user=user)
    secret = user.totp_pending_secret
    return {
        "pending": uri is not None,
        "qr_data_uri": _qr_data_uri(uri) if uri else "",
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Rendered straight from the POST, never stored in plain text: shown once.
    return render(request, "accounts/recovery_codes_new.html", {"codes": codes})


@sensitive_post_parameters("code")
@never_cache
@second_factor_required
@require_http_methods(["GET", "POST"])
def totp_enrol_view(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    form = TotpConfirmForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            factors.begin_totp_enrolment(user=user)
            return redirect("accounts:totp_enrol")
        if action != "confirm":
            return HttpResponseBadRequest()
        form = TotpConfirmForm(request.POST)
        codes = _confirm_totp(form, user)
        if codes is not None:
            messages.success(
                request, _("The authenticator app is now your second factor.")
            )
            return _show_recovery_codes(request, codes)
    return render(
        request,
        "accounts/totp_enrol.html",
        {
            **_pending_secret(user),
            "form": form,
            "factor": selectors.effective_second_factor(user=user).value,
        },
    )


@never_cache
@second_factor_required
@require_http_methods(["GET", "POST"])
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    if request.method == "POST":
        codes = factors.regenerate_recovery_codes(user=user)
        messages.success(
            request, _("New recovery codes were made; the old ones no longer work.")
        )
        return _show_recovery_codes(request, codes)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"recovery_codes_left": selectors.unused_recovery_code_count(user=user)},
    )


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First login (or after an operator's reset): choose and prove a second factor.

    The person has passed the password only; they are logged in once the factor is
    proved: a code from the new authenticator app here, or a code by e-mail on the
    second-factor page.
    """
    if _is_fully_logged_in(request):
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Please log in with your username and password."))
        return redirect("accounts:login")
    if not user.second_factor_enrolment_required:
        return redirect("accounts:second_factor")
    form = TotpConfirmForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            factors.begin_totp_enrolment(user=user)
            return redirect("accounts:enrol")
        if action == "email":
            request.session[keys.ENROL_EMAIL] = True
            try:
                login.send_email_code(user=user)
            except ServiceError as exc:
                if exc.code != "EMAIL_CODE_THROTTLED":
                    messages.error(request, str(exc.message))
            return redirect("accounts:second_factor")
        if action != "confirm":
            return HttpResponseBadRequest()
        form = TotpConfirmForm(request.POST)
        codes = _confirm_totp(form, user)
        if codes is not None:
            ip_address, user_agent = _client(request)
            factors.finish_enrolment(
                user=user,
                method="totp",
                ip_address=ip_address,
                user_agent=user_agent,
            )
            next_url = _log_in(request, user)
            messages.success(
                request, _("The authenticator app is now your second factor.")
            )
            return render(
                request,
                "accounts/recovery_codes_new.html",
                {"codes": codes, "next_url": next_url},
            )
    user.refresh_from_db(fields=["totp_pending_secret"])
    return render(
        request,
        "accounts/enrol.html",
        {
            "pending_user": user,
            **_pending_secret(user),
            "form": form,
        },
    )
