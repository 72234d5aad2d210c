"""The API docs: for logged-in people only, from our own static files (issue 15, F9)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_f9_the_api_docs_and_schema_need_a_login(client: Client) -> None:
    for url in ("/api/docs", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_f9_the_api_docs_load_nothing_from_another_site(
    logged_in: Callable[..., Client], member: Any
) -> None:
    response = logged_in(member).get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:  # each one is a file we serve ourselves
        assert finders.find(asset.removeprefix("/static/")), asset
