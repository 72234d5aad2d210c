"""Reading the client's address and language from an ASGI scope."""

from __future__ import annotations

from typing import Any

import pytest

from prachum.realtime.scope import client_address, header, language


def _scope(
    client: tuple[str, int] | None = ("198.51.100.7", 5000),
    headers: list[tuple[bytes, bytes]] | None = None,
    cookies: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {"client": client, "headers": headers or [], "cookies": cookies or {}}


def test_headers_are_read_case_insensitively_and_repeated_ones_joined() -> None:
    scope = _scope(
        headers=[(b"X-Forwarded-For", b"1.1.1.1"), (b"x-forwarded-for", b"2.2.2.2")]
    )
    assert header(scope, "x-forwarded-for") == "1.1.1.1,2.2.2.2"
    assert header(scope, "user-agent") == ""


def test_without_a_trusted_proxy_the_socket_address_counts(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    scope = _scope(headers=[(b"x-forwarded-for", b"192.0.2.1")])
    assert client_address(scope) == ("198.51.100.7", 5000)


def test_behind_a_trusted_proxy_the_last_forwarded_address_counts(
    settings: Any,
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    scope = _scope(
        client=("10.0.0.2", 443),
        headers=[(b"x-forwarded-for", b"203.0.113.9, 192.0.2.1")],
    )
    assert client_address(scope) == ("192.0.2.1", 443)


def test_a_forged_forwarded_value_falls_back_to_the_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    scope = _scope(client=("10.0.0.2", 443), headers=[(b"x-forwarded-for", b"nope")])
    assert client_address(scope) == ("10.0.0.2", 443)


def test_a_scope_without_client_has_no_address() -> None:
    assert client_address(_scope(client=None)) == (None, None)


@pytest.mark.parametrize(
    ("cookies", "accept", "expected"),
    [
        ({}, b"", "th"),
        ({}, b"en-US,en;q=0.9", "en"),
        ({}, b"fr, en;q=0.5", "en"),
        ({}, b"de", "th"),
        ({"django_language": "en"}, b"th", "en"),
        ({"django_language": "xx"}, b"en", "en"),
    ],
)
def test_the_language_comes_from_the_cookie_then_accept_language(
    cookies: dict[str, str], accept: bytes, expected: str
) -> None:
    scope = _scope(headers=[(b"accept-language", accept)], cookies=cookies)
    assert language(scope) == expected
