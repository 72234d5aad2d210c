"""Stable refusal codes of the api app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class ApiError(ErrorCode):
    CONSOLE_ONLY = "CONSOLE_ONLY"
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    BAD_REQUEST = "BAD_REQUEST"
    NOT_LOGGED_IN = "NOT_LOGGED_IN"
    FORBIDDEN = "FORBIDDEN"
    TOO_MANY = "TOO_MANY"
