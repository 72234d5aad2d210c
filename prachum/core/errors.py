"""Errors raised by services, carrying a stable code and a translatable message."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    """A stable refusal code (API clients rely on them).

    No members here: each app lists its own in ``<app>/error_codes.py`` (a subclass),
    so a mistyped code is a type error. Members are ``str``: the API's JSON is unchanged.
    """


class CoreError(ErrorCode):
    """Codes several apps raise with the same meaning."""

    NOT_ALLOWED = "NOT_ALLOWED"
    CHAIR_ONLY = "CHAIR_ONLY"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    MARKUP_NOT_ALLOWED = "MARKUP_NOT_ALLOWED"
    INVALID_TEXT = "INVALID_TEXT"
    BAD_ITEM = "BAD_ITEM"
    NOT_PARTICIPANT = "NOT_PARTICIPANT"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    NOT_ADMITTED = "NOT_ADMITTED"
    IDENTITY_CHECK_REQUIRED = "IDENTITY_CHECK_REQUIRED"
    MEETING_NOT_EDITABLE = "MEETING_NOT_EDITABLE"
    MEETING_NOT_CLOSED = "MEETING_NOT_CLOSED"
    QUORUM_NOT_MET = "QUORUM_NOT_MET"
    POLL_IN_PROGRESS = "POLL_IN_PROGRESS"


class ServiceError(Exception):
    """A refused change. ``code`` is stable (for the API); ``message`` is for people."""

    def __init__(
        self,
        code: ErrorCode,
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
