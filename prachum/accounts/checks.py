"""System checks for the login set-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def check_login_codes_can_be_delivered(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Log-in codes go out by e-mail: refuse to start when they cannot (issue 15, F1).

    Without ``EMAIL_URL`` codes are only written to the outbox folder; showing them on
    the code page makes the e-mail code no second factor, so that is allowed only in
    an explicit demonstration (``DEMO_MODE``, with its red banner on every page).
    """
    if settings.EMAIL_URL or settings.DEMO_MODE:
        return []
    return [
        Error(
            "EMAIL_URL is not set and DEMO_MODE is off: log-in codes sent by e-mail "
            "could not reach anybody.",
            hint="Set EMAIL_URL (smtp://...) for real meetings, or DEMO_MODE=true "
            "for a demonstration (codes shown on the page; never for real meetings).",
            id="accounts.E001",
        )
    ]


@register(deploy=True)
def check_demo_mode_off(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A deployment for real meetings runs without ``DEMO_MODE``."""
    if not settings.DEMO_MODE:
        return []
    return [
        Warning(
            "DEMO_MODE is on: log-in codes are shown on the page, so the e-mail code "
            "is no second factor.",
            hint="Unset DEMO_MODE and set EMAIL_URL before real meetings.",
            id="accounts.W002",
        )
    ]
