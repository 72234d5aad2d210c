"""System checks for the login set-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register(deploy=True)
def check_demo_mail(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without ``EMAIL_URL`` the login page shows e-mail codes: fine for a demo only."""
    if settings.DEBUG or settings.EMAIL_URL:
        return []
    return [
        Warning(
            "EMAIL_URL is not set, so log-in codes are written to the outbox folder "
            "and shown on the login page: the e-mail code is then no second factor.",
            hint="Set EMAIL_URL (smtp://...) before real meetings, or use TOTP only.",
            id="accounts.W001",
        )
    ]
