"""Stable refusal codes of the committees app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class CommitteeError(ErrorCode):
    LEGAL_BASIS_REQUIRED = "LEGAL_BASIS_REQUIRED"
    NAME_REQUIRED = "NAME_REQUIRED"
    RATE_NEGATIVE = "RATE_NEGATIVE"
    RATE_KIND_UNKNOWN = "RATE_KIND_UNKNOWN"
    RATE_OVERLAP = "RATE_OVERLAP"
    ROSTER_INVALID = "ROSTER_INVALID"
    DECREE_S5_EXCLUDED = "DECREE_S5_EXCLUDED"
    DENY_LIST_EXCLUDED = "DENY_LIST_EXCLUDED"
