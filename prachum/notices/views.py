from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from prachum.committees.models import SECRETARIAT_ROLES, Membership
from prachum.notices.selectors import get_outbox_message, list_outbox


def _may_see_all(user: object) -> bool:
    return bool(
        getattr(user, "is_staff", False)
        or Membership.objects.filter(user=user, role__in=SECRETARIAT_ROLES).exists()
    )


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Mail written to the outbox folder when no SMTP server is configured.

    The secretariat sees every message; anyone else sees only their own.
    """
    to = None if _may_see_all(request.user) else request.user.email  # type: ignore[union-attr]
    return render(
        request,
        "notices/outbox.html",
        {"messages_": list_outbox(to=to), "smtp": bool(settings.EMAIL_URL)},
    )


@login_required
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    message = get_outbox_message(name=name)
    if message is None:
        raise Http404
    if (
        not _may_see_all(request.user)
        and request.user.email.lower() not in message.to.lower()
    ):  # type: ignore[union-attr]
        raise Http404
    return render(request, "notices/outbox_message.html", {"m": message})
