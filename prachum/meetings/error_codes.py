"""Stable refusal codes of the meetings app (API clients rely on them)."""

from __future__ import annotations

from prachum.core.errors import ErrorCode


class MeetingError(ErrorCode):
    ALREADY_DECIDED = "ALREADY_DECIDED"
    BAD_DOCUMENT = "BAD_DOCUMENT"
    BAD_MODE = "BAD_MODE"
    BAD_PARENT = "BAD_PARENT"
    EMPTY_FILE = "EMPTY_FILE"
    ENDS_BEFORE_START = "ENDS_BEFORE_START"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    NAIVE_DATETIME = "NAIVE_DATETIME"
    NOT_ELECTRONIC = "NOT_ELECTRONIC"
    STANDARD_ITEM = "STANDARD_ITEM"
    STARTS_IN_PAST = "STARTS_IN_PAST"
    VENUE_REQUIRED = "VENUE_REQUIRED"
    NOT_A_DRAFT = "NOT_A_DRAFT"
    BAD_ADJOURNED = "BAD_ADJOURNED"
