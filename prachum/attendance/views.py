"""The identity check page (แสดงตน; Decree s.9(1), MDES 2563 process 1, R13-R16).

The room page, its console and the vote forms are in :mod:`prachum.room.views`,
:mod:`prachum.room.console_views` and :mod:`prachum.voting.room_views`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from prachum.accounts import login as account_login
from prachum.accounts import selectors as account_selectors
from prachum.accounts.models import SecondFactor
from prachum.attendance import policies
from prachum.attendance.forms import IdentityCheckForm
from prachum.attendance.identity import ENTERABLE
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error, client_ip
from prachum.domain.regimes import regime_on
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import Meeting
from prachum.room import participants
from prachum.room.facts import may_enter


def meeting_for(request: HttpRequest, pk: Any) -> Meeting:
    """The meeting, for its participants only (others get 404, as on the detail page)."""
    return get_meeting_for(actor_of(request), pk, may=policies.is_participant)


def is_legacy(meeting: Meeting) -> bool:
    """Under NCPO 74/2557 everyone must declare being in the Kingdom (R7)."""
    return regime_on(timezone.localtime(meeting.starts_at).date()).everyone_in_kingdom


def in_kingdom(meeting: Meeting, ticked: bool) -> bool | None:
    if ticked:
        return True
    return False if is_legacy(meeting) else None


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = meeting_for(request, pk)
    user = actor_of(request)
    factor = account_selectors.effective_second_factor(user=user)
    needs_code = not account_selectors.has_fresh_second_factor(
        user=user, within=timedelta(minutes=settings.IDENTITY_CHECK_FRESH_MINUTES)
    )
    form = IdentityCheckForm(
        request.POST or None,
        meeting=meeting,
        needs_code=needs_code,
        needs_kingdom=is_legacy(meeting),
    )
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request) or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")
        try:
            if needs_code:
                account_login.verify_second_factor(
                    user=user,
                    method=factor.value,  # type: ignore[arg-type]
                    code=form.cleaned_data["code"],
                    ip_address=ip_address,
                    user_agent=user_agent,
                )
            participants.check_identity(
                meeting=meeting,
                user=user,
                location=form.cleaned_data["location"],
                device_ok=form.cleaned_data["device_ok"],
                in_kingdom=in_kingdom(
                    meeting, bool(form.cleaned_data.get("in_kingdom"))
                ),
                ip_address=ip_address,
                user_agent=user_agent,
                alone_declared=bool(form.cleaned_data.get("alone_declared")),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your identity is confirmed for this meeting."))
            return redirect("attendance:room", pk=meeting.pk)
    demo_message = None
    show_code = settings.DEMO_MODE and not settings.EMAIL_URL
    if needs_code and factor == SecondFactor.EMAIL and show_code:
        demo_message = account_selectors.latest_outbox_login_code(user=user)
    return render(
        request,
        "attendance/check.html",
        {
            "meeting": meeting,
            "form": form,
            "factor": factor.value,
            "needs_code": needs_code,
            "fresh_minutes": settings.IDENTITY_CHECK_FRESH_MINUTES,
            "show_code": show_code,
            "demo_message": demo_message,
            "enterable": meeting.status in ENTERABLE,
            "already_in": may_enter(meeting=meeting, user=user),
            "labels": _check_labels(),
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_POST
def send_code(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = meeting_for(request, pk)
    user = actor_of(request)
    if account_selectors.effective_second_factor(user=user) != SecondFactor.EMAIL:
        messages.error(request, _("This account does not use codes sent by e-mail."))
    else:
        try:
            account_login.send_email_code(user=user)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("A new code has been sent to your e-mail address.")
            )
    return redirect("attendance:check", pk=meeting.pk)


def _check_labels() -> dict[str, Any]:
    return {
        "no_media": _(
            "This browser cannot use a microphone here (a secure page is needed)."
        ),
        "refused": _("The microphone could not be used: %(reason)s"),
        # The browser's reason (a DOMException name) in words.
        "reasons": {
            "NotAllowedError": _("permission to use it was not given"),
            "NotFoundError": _("no microphone was found"),
            "NotReadableError": _("another program is using it"),
            "OverconstrainedError": _("it does not support what the page asked for"),
            "SecurityError": _("the browser blocked it on this page"),
        },
        "unknown_reason": _("the browser gave no reason"),
        "listening": _("Speak: the meter should move. A test tone is playing."),
    }
