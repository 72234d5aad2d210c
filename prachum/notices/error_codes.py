"""Stable refusal codes of the notices app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class NoticeError(ErrorCode):
    NOTICE_AFTER_MEETING = "NOTICE_AFTER_MEETING"
    NO_CHAIR_DECISION = "NO_CHAIR_DECISION"
    NO_RECIPIENTS = "NO_RECIPIENTS"
    NOTICE_TOO_SHORT = "NOTICE_TOO_SHORT"
    NOTHING_CHANGED = "NOTHING_CHANGED"
    NOT_NOTICED = "NOT_NOTICED"
    NO_SIGNATORY = "NO_SIGNATORY"
    NOTHING_TO_RETRY = "NOTHING_TO_RETRY"
