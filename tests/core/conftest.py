"""Fixtures and collection rules of the core tests."""

from __future__ import annotations

import pytest

from tests.collection import deselect


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Tests about the SQLite file are not collected on PostgreSQL (CI forbids skips)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return
    deselect(
        config, items, lambda item: item.get_closest_marker("sqlite_only") is not None
    )
