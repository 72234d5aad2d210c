"""Who may change what the record keeps: operators (staff accounts) only."""

from __future__ import annotations

from typing import Any


def can_manage_retention(*, user: Any) -> bool:
    """Policies, legal holds and purges are operators' work (R70: all audited)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
    )
