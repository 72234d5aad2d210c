"""WebSocket URLs (mounted in ``config.asgi``)."""

from __future__ import annotations

from django.urls import path

from prachum.realtime.consumers import MeetingRoomConsumer

websocket_urlpatterns = [
    path("ws/meetings/<uuid:meeting_id>/", MeetingRoomConsumer.as_asgi()),
]
