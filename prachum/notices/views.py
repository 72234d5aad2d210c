from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from prachum.core.actors import actor_of
from prachum.notices.selectors import get_outbox_message, list_outbox


def _operators_only(request: HttpRequest) -> None:
    """The outbox holds everybody's mail, log-in codes included (issue 15, F2):
    operators only; anyone else gets "not found", as if the page did not exist."""
    if not actor_of(request).is_staff:
        raise Http404


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Mail written to the outbox folder when no SMTP server is configured."""
    _operators_only(request)
    return render(
        request,
        "notices/outbox.html",
        {"messages_": list_outbox(), "smtp": bool(settings.EMAIL_URL)},
    )


@login_required
def outbox_message(request: HttpRequest, name: str) -> HttpResponse:
    _operators_only(request)
    message = get_outbox_message(name=name)
    if message is None:
        raise Http404
    return render(request, "notices/outbox_message.html", {"m": message})
