"""How long a logged-in session lives (issue 15, F9).

Two limits, both from settings:

* ``SESSION_MAX_HOURS`` (absolute, default 12): counted from the login, however
  active the person is since.
* ``SESSION_IDLE_MINUTES`` (default 30): since the last request. An open room socket
  counts as activity (its heartbeat refreshes the session, see
  ``prachum.realtime.consumers``), so nobody is logged out in a live meeting.

The times are POSIX seconds kept in the session itself, so every session engine
works. ``last seen`` is written at most once per ``TOUCH_EVERY_SECONDS``: a page view
or a heartbeat costs a session save only once a minute.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from django.conf import settings

# When both factors were passed, and when the session was last used (POSIX seconds).
LOGGED_IN_AT = "accounts_logged_in_at"
LAST_SEEN_AT = "accounts_last_seen_at"
TOUCH_EVERY_SECONDS = 60

Session = MutableMapping[str, Any]


def idle_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_MINUTES", 30)) * 60


def max_seconds() -> int:
    return int(getattr(settings, "SESSION_MAX_HOURS", 12)) * 3600


def start(session: Session, *, now: float | None = None) -> None:
    """Mark the moment of a completed login (both factors)."""
    moment = int(time.time() if now is None else now)
    session[LOGGED_IN_AT] = moment
    session[LAST_SEEN_AT] = moment


def expired(session: Session, *, now: float | None = None) -> bool:
    """True once the session is past its absolute lifetime or idle too long.

    A logged-in session without the marks (one made before this rule existed, or
    by a test helper) starts counting now.
    """
    moment = time.time() if now is None else now
    logged_in_at = session.get(LOGGED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if not isinstance(logged_in_at, int) or not isinstance(last_seen_at, int):
        start(session, now=moment)
        return False
    return (
        moment - logged_in_at >= max_seconds()
        or moment - last_seen_at >= idle_seconds()
    )


def touch(session: Session, *, now: float | None = None) -> bool:
    """Record activity; return True if the session changed (and needs saving)."""
    moment = int(time.time() if now is None else now)
    last_seen_at = session.get(LAST_SEEN_AT)
    if isinstance(last_seen_at, int) and moment - last_seen_at < TOUCH_EVERY_SECONDS:
        return False
    session[LAST_SEEN_AT] = moment
    return True


# A room socket refreshes its session at most this often (its heartbeat is far more
# frequent); well inside SESSION_IDLE_MINUTES.
SOCKET_TOUCH_EVERY_SECONDS = 300


def touch_stored(session_key: str, *, now: float | None = None) -> None:
    """Record activity on a stored session by key (a room socket's heartbeat).

    Reads the session afresh from its store and saves only if it changed, so the
    socket never writes back a stale copy over what a page wrote meanwhile. A
    session that ended meanwhile (logged out, expired) is left alone.
    """
    if not session_key:
        return
    from importlib import import_module

    from django.contrib.sessions.backends.base import UpdateError

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not store.exists(session_key):
        return
    unmarked = LAST_SEEN_AT not in store
    if expired(store, now=now):
        return
    if touch(store, now=now) or unmarked:
        try:
            store.save()
        except UpdateError:  # deleted between the read and the write
            return
