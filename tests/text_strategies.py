"""Hypothesis strategies for the text gate's tests (issue 15 point 4): any Unicode,
lone surrogates included, mixed with the characters the gate is about (NUL, controls,
bidi overrides and isolates, noncharacters) and Thai with its combining marks."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TRICKY = list(
    "\x00\x07\x1b\x7f\x85\u202a\u202e\u2066\u2069\ud800\udc00\ufdd0\ufffe\U0010ffff"
    "\u200b\u200e\u200f\n\r\tกขู\u0e48\u0e38\u0e4d\u0e32e\u0301=+-@<>"
)

# Lists joined, not ``st.text``: ``st.text`` merges its alphabet into one set of code
# points and drops the surrogates on the way.
ARBITRARY_TEXT = st.lists(
    st.sampled_from(TRICKY) | st.characters(exclude_categories=()),
    min_size=1,
    max_size=40,
).map("".join)


def draw_texts(count: int) -> list[str]:
    """``count`` strings drawn by Hypothesis, for doors a ``@given`` test cannot wrap
    (an async socket test, one database per test)."""
    drawn: list[str] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(ARBITRARY_TEXT)
    def draw(text: str) -> None:
        drawn.append(text)

    draw()
    return drawn
