"""Who may change what the record keeps: operators (staff accounts) only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import PermissionDeniedError
from prachum.retention.error_codes import RetentionError


def can_manage_retention(*, user: Any) -> bool:
    """Policies, legal holds and purges are operators' work (R70: all audited)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
    )


def require_operator(actor: Actor) -> None:
    if not can_manage_retention(user=actor):
        raise PermissionDeniedError(
            RetentionError.NOT_ALLOWED,
            _("Only an operator may change retention policies, holds or purges."),
        )
