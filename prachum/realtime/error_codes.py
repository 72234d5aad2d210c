"""Stable refusal codes of the realtime app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class RealtimeError(ErrorCode):
    NOT_FOUND = "NOT_FOUND"
