"""A Content-Security-Policy on every response (issue 15, F9).

Scripts run only from our own origin: no inline ``<script>``, no ``on...=``
attributes, no ``eval`` (JSON data blocks, ``<script type="application/json">``,
are not run and need nothing). Inline ``style=`` attributes stay allowed. The
browser may connect to our origin and to the Janus media server the room uses
(``JANUS_PUBLIC_URL``). A response that already has its own policy (a download's
``sandbox``, prachum/core/downloads.py) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def policy() -> str:
    connect = ["'self'"]
    janus = _origin(getattr(settings, "JANUS_PUBLIC_URL", "") or "")
    if janus is not None:
        connect.append(janus)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(values)}" for name, values in directives.items()
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            # Built per response (a few string joins): the Janus address the room
            # hands out (``JANUS_PUBLIC_URL``) is read where the room reads it.
            response[HEADER] = policy()
        return response
