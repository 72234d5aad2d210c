"""A Content-Security-Policy with no inline script on every page (issue 15, F9)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "prachum").glob("*/templates"))]

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("url", ["/meetings/", "/accounts/login/", "/api/docs"])
def test_f9_pages_carry_a_policy_that_runs_only_our_own_scripts(
    logged_in: Callable[..., Client], member: Any, url: str
) -> None:
    response = logged_in(member).get(url)
    assert response.status_code in (200, 302)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_policy_lets_the_room_reach_the_media_server(settings: Any) -> None:
    from prachum.core.csp import policy

    settings.JANUS_PUBLIC_URL = "https://media.example.go.th:8089/janus"
    connect = _directives(policy())["connect-src"]
    assert connect == ["'self'", "https://media.example.go.th:8089"]


def test_the_served_policy_follows_the_media_server_the_room_hands_out(
    settings: Any, client: Client
) -> None:
    """The header is built per response: a changed JANUS_PUBLIC_URL (the address the
    room gives browsers) is allowed at once, not the one read at start-up."""
    client.get("/accounts/login/")  # the middleware chain is built
    settings.JANUS_PUBLIC_URL = "http://10.77.0.1:18088/janus"
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "http://10.77.0.1:18088" in _directives(header)["connect-src"]


def _template_files() -> list[Path]:
    return [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:60]}"
        for path in _template_files()
        for pattern in (inline_script, handler)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert _template_files()
    assert found == []
