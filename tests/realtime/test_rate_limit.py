"""The flood control's token bucket, on a clock the test moves."""

from __future__ import annotations

from prachum.realtime.rate_limit import FloodControl, TokenBucket, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    clock = Clock()
    bucket = TokenBucket(capacity=20, per_second=4, clock=clock)
    assert all(bucket.take() for _ in range(20))
    assert bucket.take() is False


def test_the_bucket_refills_at_its_rate_and_never_beyond_capacity() -> None:
    clock = Clock()
    bucket = TokenBucket(capacity=20, per_second=4, clock=clock)
    for _ in range(20):
        bucket.take()
    clock.now += 0.5  # two tokens
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 3600
    assert sum(bucket.take() for _ in range(25)) == 20


def test_a_clock_going_backwards_adds_no_tokens() -> None:
    clock = Clock()
    bucket = TokenBucket(capacity=2, per_second=4, clock=clock)
    bucket.take()
    bucket.take()
    clock.now -= 10
    assert bucket.take() is False


def test_flood_control_refuses_over_the_limit_and_closes_at_the_fiftieth_refusal() -> (
    None
):
    clock = Clock()
    flood = FloodControl(clock=clock)
    verdicts = [flood.admit() for _ in range(70)]
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20:69] == [Verdict.REFUSE] * 49
    assert verdicts[69] is Verdict.CLOSE
    assert flood.refused == 50


def test_a_steady_four_messages_a_second_is_never_refused() -> None:
    clock = Clock()
    flood = FloodControl(clock=clock)
    for _ in range(1000):
        clock.now += 0.25
        assert flood.admit() is Verdict.ALLOW
