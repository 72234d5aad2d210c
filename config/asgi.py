"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSockets pass the Origin check against ``ALLOWED_HOSTS`` (no cross-site sockets)
and get the Django session and user from the session cookie.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from prachum.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Media watchdog (issue 5): Janus health every second and Janus's
# events → traffic data → incidents, in this process so the chair's socket hears it.
# Off unless MEDIA_WATCHDOG (default: JANUS_ENABLED).
from prachum.media.watchdog import start_watchdog_thread  # noqa: E402

start_watchdog_thread()
