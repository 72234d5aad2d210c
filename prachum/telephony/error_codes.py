"""Stable refusal codes of SIP calls (the gateway acts on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class TelephonyError(ErrorCode):
    PIN_TRIES_EXHAUSTED = "PIN_TRIES_EXHAUSTED"
    CALL_ENDED = "CALL_ENDED"
    CALLER_NOT_IDENTIFIED = "CALLER_NOT_IDENTIFIED"
    INVALID_KEY = "INVALID_KEY"
