"""Stable refusal codes of the allowances app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class AllowanceError(ErrorCode):
    ALREADY_CONFIRMED = "ALREADY_CONFIRMED"
    # The law engine's refusals of a rate table, passed on as they are (prachum.domain).
    DOMAIN_ERROR = "DOMAIN_ERROR"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_RULE = "INVALID_RULE"
    RATE_INVALID = "RATE_INVALID"
    NO_RATE_IN_FORCE = "NO_RATE_IN_FORCE"
    RATES_OVERLAP = "RATES_OVERLAP"
    DUPLICATE_ATTENDEE = "DUPLICATE_ATTENDEE"
    NAIVE_DATETIME = "NAIVE_DATETIME"
