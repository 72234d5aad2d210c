"""A stored session past both login factors, for clients outside Django's test client
(a real browser, or a program speaking HTTP and WebSocket to a real server)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from prachum.accounts.session_keys import SECOND_FACTOR_OK


def session_for(user: Any) -> str:
    """The key of a new session in which ``user`` logged in with both factors."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SECOND_FACTOR_OK] = True
    store.save()
    return str(store.session_key)
