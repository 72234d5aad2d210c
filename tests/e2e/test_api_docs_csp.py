"""The API docs draw in a real browser under our CSP, with nothing from a CDN (F9)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from tests.sessions import session_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_f9_the_api_docs_work_offline_under_the_policy(
    page: Page, asgi_live_server: Any, member: Any
) -> None:
    base = asgi_live_server.url
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_for(member),
                "url": base,
            }
        ]
    )
    refused: list[str] = []
    foreign: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    host = urlsplit(base).netloc
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if urlsplit(request.url).netloc not in (host, "")
            and not request.url.startswith("data:")
            else None
        ),
    )
    page.goto(f"{base}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Prachum API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert refused == []
    assert foreign == []
