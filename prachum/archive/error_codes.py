"""Stable refusal codes of the archive app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class ArchiveError(ErrorCode):
    RECORDINGS_PENDING = "RECORDINGS_PENDING"
