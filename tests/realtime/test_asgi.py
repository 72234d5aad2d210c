"""The ASGI application still serves pages over HTTP next to the sockets."""

from __future__ import annotations

import pytest
from channels.testing import HttpCommunicator

from config.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_the_login_page_is_served_over_http() -> None:
    communicator = HttpCommunicator(
        application, "GET", "/accounts/login/", headers=[(b"host", b"127.0.0.1")]
    )
    response = await communicator.get_response(timeout=10)
    assert response["status"] == 200
    assert b"<form" in response["body"]


async def test_an_unknown_socket_path_is_not_routed() -> None:
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(
        application, "/ws/nowhere/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect(timeout=0.5)
