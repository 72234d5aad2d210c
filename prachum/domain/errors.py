"""Errors raised by the law engine.

Every error carries a stable UPPER_SNAKE ``code``; views and consumers translate the
code, never the message (house style §4.5).
"""


class DomainError(Exception):
    """A rule of the law engine was asked something it cannot answer."""

    code = "DOMAIN_ERROR"

    def __init__(self, code: str | None = None, detail: str = "") -> None:
        self.code = code or type(self).code
        self.detail = detail
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class InvalidInputError(DomainError):
    """A value handed to a rule is malformed (a naive datetime, a negative amount)."""

    code = "INVALID_INPUT"


class InvalidRuleError(DomainError):
    """A committee's rule configuration is inconsistent (e.g. a qualified majority
    without a fraction)."""

    code = "INVALID_RULE"


class InvalidBallotError(DomainError):
    """A ballot breaks the poll's rules (unknown, too many or repeated choices)."""

    code = "INVALID_BALLOT"
