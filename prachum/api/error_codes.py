"""Stable refusal codes of the api app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class ApiError(ErrorCode):
    CONSOLE_ONLY = "CONSOLE_ONLY"
