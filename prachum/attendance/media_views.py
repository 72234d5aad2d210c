"""``GET .../room/media/join/``: what the browser needs to join the Janus room (JSON)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from prachum.attendance import media_hooks, policies
from prachum.attendance.forms import UserForm
from prachum.core.errors import ServiceError
from prachum.media.protocol import MediaError
from prachum.meetings.models import Meeting

logger = logging.getLogger(__name__)


@never_cache
@login_required
@require_GET
def media_join(request: HttpRequest, pk: Any) -> JsonResponse:
    """403 before the identity check or outside the open meeting; 503 without media."""
    meeting = get_object_or_404(Meeting.objects.select_related("committee"), pk=pk)
    if not policies.is_participant(user=request.user, meeting=meeting):
        raise Http404
    try:
        answer = media_hooks.join_info(meeting=meeting, user=request.user)
    except ServiceError as exc:
        return JsonResponse({"code": exc.code, "message": str(exc.message)}, status=403)
    except MediaError as exc:
        logger.error("media join: %r", exc)
        return JsonResponse(
            {
                "code": exc.code,
                "message": _("Audio and video are not available now."),
            },
            status=503,
        )
    return JsonResponse(answer)


# -- the chair's media controls over HTTP (the socket has the same: realtime/commands) --


def _media_control(
    request: HttpRequest, pk: Any, action: Callable[..., object], done: str
) -> HttpResponse:
    from prachum.attendance import views

    return views._console(
        request,
        pk,
        UserForm,
        lambda m, u, d: action(actor=u, meeting=m, user=views._member(m, d["user"])),
        done,
    )


@login_required
@require_POST
def media_mute(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(
        request, pk, media_hooks.mute_participant, _("The participant is muted.")
    )


@login_required
@require_POST
def media_unmute(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(
        request,
        pk,
        media_hooks.request_unmute,
        _("The participant is asked to unmute."),
    )


@login_required
@require_POST
def media_stop_video(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(
        request, pk, media_hooks.stop_video, _("The participant's video is stopped.")
    )
