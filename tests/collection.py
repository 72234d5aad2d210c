"""Leaving tests out of a run by the database it runs on: deselected, never skipped
(``CI=true`` refuses skips), so each of CI's two runs carries the tests meant for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def deselect(
    config: pytest.Config, items: list[pytest.Item], drop: Callable[[pytest.Item], bool]
) -> None:
    """Deselect the collected ``items`` for which ``drop(item)`` is true."""
    dropped = [item for item in items if drop(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not drop(item)]
