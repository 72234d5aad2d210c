"""This process's cached roster and quorum sections of the snapshot, per room version.

A thousand people (re)joining at the same version share one computation, and a
committed change made in this process moves the cached sections to its version by
applying its patch, as every page does (:func:`advance_cached_roster`), so a join storm
(each join a new version) does not recompute the roster for every join. The age limit
bounds how long a change made without a version bump (a roster edit) or in another
process's patch can go unseen: the sections are recomputed from the database at least
that often.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

ROSTER_CACHE_SECONDS = 2.0
_ROSTER_CACHE_SIZE = 64
_cache: dict[Any, tuple[tuple[Any, ...], float, dict[str, Any]]] = {}
_lock = threading.Lock()


def advance_cached_roster(
    *, meeting_id: Any, version: int, current_item_id: Any, patch: dict[str, Any]
) -> None:
    """Apply a committed change's patch to this process's cached roster sections.

    Only from the version just before (anything else drops the entry: the next
    snapshot recomputes it). A row the cache does not have also drops it.
    """
    with _lock:
        hit = _cache.get(meeting_id)
        if hit is None:
            return
        (cached_version, _item), computed_at, sections = hit
        if cached_version != version - 1:
            _cache.pop(meeting_id, None)
            return
        rows = sections["participants"]
        if "participants" in patch:
            rows = [dict(row) for row in patch["participants"]]
        if "participant" in patch:
            row = patch["participant"]
            index = next(
                (i for i, old in enumerate(rows) if old["id"] == row["id"]), None
            )
            if index is None:
                _cache.pop(meeting_id, None)
                return
            rows = [*rows[:index], dict(row), *rows[index + 1 :]]
        quorum = (
            copy.deepcopy(patch["quorum"]) if "quorum" in patch else sections["quorum"]
        )
        _cache[meeting_id] = (
            (version, current_item_id),
            computed_at,
            {"participants": rows, "quorum": quorum},
        )


def forget_cached_roster() -> None:
    """Drop this process's cached roster sections (tests, data changed by hand)."""
    with _lock:
        _cache.clear()


def cached_sections(meeting_id: Any, key: tuple[Any, ...]) -> dict[str, Any] | None:
    """The sections cached for ``key`` (version, current item) if still fresh."""
    with _lock:
        hit = _cache.get(meeting_id)
    if (
        hit is not None
        and hit[0] == key
        and time.monotonic() - hit[1] < ROSTER_CACHE_SECONDS
    ):
        return hit[2]
    return None


def store_sections(
    meeting_id: Any, key: tuple[Any, ...], sections: dict[str, Any]
) -> None:
    with _lock:
        if len(_cache) >= _ROSTER_CACHE_SIZE:
            _cache.clear()
        _cache[meeting_id] = (key, time.monotonic(), sections)
