"""Errors raised by services, carrying a stable code and a translatable message."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ServiceError(Exception):
    """A refused change. ``code`` is stable (for the API); ``message`` is for people."""

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        details: list[Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.details = details or []


class PermissionDeniedError(ServiceError):
    pass
