"""Flood control for one connection: a token bucket and a count of refused messages."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class Verdict(enum.Enum):
    ALLOW = "allow"
    REFUSE = "refuse"  # over the limit: answer RATE_LIMITED, do not process
    CLOSE = "close"  # refused once too often: close the connection


class TokenBucket:
    """``capacity`` tokens, refilled at ``per_second``; each message takes one."""

    def __init__(
        self,
        *,
        capacity: float,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.clock = clock
        self.tokens = capacity
        self.updated_at = clock()

    def take(self) -> bool:
        now = self.clock()
        elapsed = max(now - self.updated_at, 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.updated_at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class FloodControl:
    """A burst of ``burst`` messages, then ``per_second``; ``max_refused`` refusals close."""

    def __init__(
        self,
        *,
        burst: int = 20,
        per_second: float = 4.0,
        max_refused: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bucket = TokenBucket(capacity=burst, per_second=per_second, clock=clock)
        self.max_refused = max_refused
        self.refused = 0

    def admit(self) -> Verdict:
        if self.bucket.take():
            return Verdict.ALLOW
        self.refused += 1
        return Verdict.CLOSE if self.refused >= self.max_refused else Verdict.REFUSE
