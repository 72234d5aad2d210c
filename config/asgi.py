"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSockets pass the Origin check against ``ALLOWED_HOSTS`` (no cross-site sockets)
and get the Django session and user from the session cookie.
"""

from __future__ import annotations

import os
from typing import Any

from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from prachum.realtime.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
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

# SIP gateways (issue 17): a gateway whose heartbeat stops with calls open is an
# incident within seconds. Off unless SIP_GATEWAY_WATCH (default: SIP_ENABLED).
from prachum.telephony.gateways import start_gateway_watch_thread  # noqa: E402

start_gateway_watch_thread()


def _serious_check_messages() -> str:
    """Django's system checks, as ``runserver`` and the worker run them at start-up:
    the web process refuses to start on an error (e.g. ``accounts.E001``: no mail
    server and no ``DEMO_MODE``)."""
    from django.core import checks

    return "\n".join(str(m) for m in checks.run_checks() if m.is_serious())


def _end_sockets_of_a_dead_process() -> None:
    """The sockets this node had before it died (``kill -9``) are gone: end them."""
    import logging

    from django.conf import settings

    from prachum.room.connections import end_sockets_left_by_this_node

    logger = logging.getLogger("prachum.startup")
    try:
        ended = end_sockets_left_by_this_node(server_node=settings.SERVER_NODE)
    except Exception:  # the database may be down: the process still starts
        logger.exception(
            "could not end the sockets left by node %s", settings.SERVER_NODE
        )
        return
    if ended:
        logger.warning(
            "node %s: ended %s socket(s) left open by its previous process",
            settings.SERVER_NODE,
            ended,
        )


async def application(scope: Any, receive: Any, send: Any) -> None:
    """The router, plus the server's lifespan: at startup the web process runs the
    system checks (and refuses to start on an error), ends the sockets its node's
    previous process left open (it was killed), then starts
    keeping full garbage collections out of the room's fan-out
    (``prachum/realtime/gc_tuning.py``; tests that drive the router get none of it)."""
    if scope["type"] != "lifespan":
        await router(scope, receive, send)
        return
    from django.conf import settings

    from prachum.realtime import gc_tuning

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            refused = await sync_to_async(_serious_check_messages)()
            if refused:
                await send({"type": "lifespan.startup.failed", "message": refused})
                return
            await sync_to_async(_end_sockets_of_a_dead_process)()
            gc_tuning.start(
                freeze_seconds=settings.GC_FREEZE_SECONDS,
                full_collect_minutes=settings.GC_FULL_COLLECT_MINUTES,
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            gc_tuning.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return
