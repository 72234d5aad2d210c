"""Internal endpoints: Janus's event handler posts here; operators read media health.

``/internal/janus/events`` only checks and appends (Janus drops an event after a few
seconds of retries); :func:`prachum.media.traffic.process_events` does the rest later.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from prachum.core.web import client_ip
from prachum.media.health import media_health
from prachum.media.ingest import store_events
from prachum.media.webhooks import MAX_BODY_BYTES, EventSchemaError, check_body

logger = logging.getLogger(__name__)

EVENTS_USER = "janus"


def _authorized(request: HttpRequest) -> bool:
    """Basic auth ``janus:<JANUS_EVENTS_SECRET>`` (sampleevh's backend_user/pwd)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return False
    try:
        user, _, password = (
            base64.b64decode(value, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = f"{EVENTS_USER}:{settings.JANUS_EVENTS_SECRET}".encode()
    return hmac.compare_digest(f"{user}:{password}".encode(), expected)


def _read_body(request: HttpRequest) -> bytes:
    """The body, up to ``MAX_BODY_BYTES``: past Django's upload limit, which a backlog
    of grouped events may exceed (``request.body`` would refuse it)."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError as exc:
        raise EventSchemaError("bad Content-Length") from exc
    if length > MAX_BODY_BYTES:
        raise EventSchemaError(f"body larger than {MAX_BODY_BYTES} bytes")
    raw = request.read(length) if length else request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise EventSchemaError(f"body larger than {MAX_BODY_BYTES} bytes")
    return raw


@csrf_exempt
@require_POST
def janus_events(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        logger.warning(
            "janus events: refused unauthenticated POST from %s", client_ip(request)
        )
        response = JsonResponse({"code": "UNAUTHORIZED"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="janus-events"'
        return response
    try:
        events = check_body(_read_body(request))
    except EventSchemaError as exc:
        logger.warning(
            "janus events: refused malformed POST from %s: %s", client_ip(request), exc
        )
        return JsonResponse({"code": "MALFORMED", "message": str(exc)}, status=400)
    result = store_events(events)
    return JsonResponse({"stored": result.stored, "duplicates": result.duplicates})


@require_GET
def janus_health(request: HttpRequest) -> HttpResponse:
    """Media health as JSON, for staff (the UI and the API show it)."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return JsonResponse({"code": "FORBIDDEN"}, status=403)
    return JsonResponse(media_health())
