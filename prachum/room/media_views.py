"""``GET .../room/media/join/``: what the browser needs to join the Janus room (JSON)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from prachum.attendance import policies
from prachum.attendance.forms import UserForm
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.media.protocol import MediaError
from prachum.meetings.lookups import get_meeting_for
from prachum.room import media_controls
from prachum.room.console_views import command, console

logger = logging.getLogger(__name__)


@never_cache
@login_required
@require_GET
def media_join(request: HttpRequest, pk: Any) -> JsonResponse:
    """403 before the identity check or outside the open meeting; 503 without media."""
    meeting = get_meeting_for(
        actor_of(request), pk, may=policies.is_participant, related=("committee",)
    )
    try:
        answer = media_controls.join_info(
            meeting=meeting, user=request.user, as_room=request.GET.get("as") == "room"
        )
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


def _media_control(request: HttpRequest, pk: Any, name: str) -> HttpResponse:
    return console(
        request, pk, UserForm, command(name, lambda m, d: {"user": d["user"]})
    )


@login_required
@require_POST
def media_mute(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(request, pk, "media.mute")


@login_required
@require_POST
def media_unmute(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(request, pk, "media.unmute_request")


@login_required
@require_POST
def media_stop_video(request: HttpRequest, pk: Any) -> HttpResponse:
    return _media_control(request, pk, "media.stop_video")
