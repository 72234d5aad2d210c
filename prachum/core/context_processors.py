"""Values every page template needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def demo_mode(request: HttpRequest) -> dict[str, bool]:
    """``demo_mode``: the red banner of ``templates/base.html`` (issue 15, F1)."""
    return {"demo_mode": bool(settings.DEMO_MODE)}
