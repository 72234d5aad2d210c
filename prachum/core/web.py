"""Small helpers shared by views: turning service errors into form errors, client IPs."""

from __future__ import annotations

import ipaddress

from django import forms
from django.conf import settings
from django.http import HttpRequest

from prachum.core.errors import ServiceError


def add_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a refused change next to the field it concerns (or at the top)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
    for detail in exc.details:
        form.add_error(None, str(detail))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; ``X-Forwarded-For`` is trusted only from configured proxies."""
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXIES", [])
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote in proxies and forwarded:
        candidate = forwarded.split(",")[-1].strip()
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return remote
        return candidate
    return remote
