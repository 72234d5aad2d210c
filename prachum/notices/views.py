from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from prachum.accounts.models import User
from prachum.committees.models import SECRETARIAT_ROLES, Membership
from prachum.core.actors import actor_of
from prachum.notices.selectors import get_outbox_message, list_outbox


def _may_see_all(user: User) -> bool:
    return bool(
        user.is_staff
        or Membership.objects.filter(user=user, role__in=SECRETARIAT_ROLES).exists()
    )


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Mail written to the outbox folder when no SMTP server is configured.

    The secretariat sees every message; anyone else sees only their own.
    """
    user = actor_of(request)
    to = None if _may_see_all(user) else user.email
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
    user = actor_of(request)
    if not _may_see_all(user) and user.email.lower() not in message.to.lower():
        raise Http404
    return render(request, "notices/outbox_message.html", {"m": message})
