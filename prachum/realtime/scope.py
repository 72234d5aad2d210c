"""Facts about a WebSocket connection read from its ASGI scope (no request object)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from prachum.accounts import session_freshness
from prachum.accounts.session_keys import SECOND_FACTOR_OK


def header(scope: Mapping[str, Any], name: str) -> str:
    """One request header (repeated headers joined with commas), ``""`` if absent."""
    key = name.lower().encode("latin-1")
    values = [
        value.decode("latin-1")
        for header_name, value in scope.get("headers", [])
        if header_name.lower() == key
    ]
    return ",".join(values)


def client_address(scope: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """The client's address and port; ``X-Forwarded-For`` only from trusted proxies.

    Same rule as :func:`prachum.core.web.client_ip` for HTTP: the last address in
    ``X-Forwarded-For`` is the one the trusted proxy saw. The port is the socket's.
    """
    client = scope.get("client") or (None, None)
    remote, port = client[0], client[1]
    forwarded = header(scope, "x-forwarded-for")
    if remote in getattr(settings, "TRUSTED_PROXIES", []) and forwarded:
        candidate = forwarded.split(",")[-1].strip()
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return remote, port
        return candidate, port
    return remote, port


def language(scope: Mapping[str, Any]) -> str:
    """The language cookie, else the best ``Accept-Language`` match, else the default."""
    candidates: list[str] = []
    cookie = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
    if cookie:
        candidates.append(cookie)
    candidates += [
        code
        for code, _ in parse_accept_lang_header(header(scope, "accept-language"))
        if code != "*"
    ]
    for code in candidates:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def verified_user(scope: Mapping[str, Any]) -> Any | None:
    """The logged-in user if the session passed both factors, else ``None``.

    Reads the session: call it through ``database_sync_to_async``.
    """
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not user.is_authenticated or session is None:
        return None
    if not session.get(SECOND_FACTOR_OK):
        return None
    if session_freshness.expired(session):  # idle or past its lifetime (F9)
        return None
    return user


def session_key(scope: Mapping[str, Any]) -> str:
    session = scope.get("session")
    return (session.session_key if session is not None else None) or ""
