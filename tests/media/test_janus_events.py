"""Janus event-handler JSON → typed values (pure: no database)."""

from __future__ import annotations

import pytest

from prachum.media.janus_events import parse_selected_pair


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"selected-pair": "[::1]:1 [host,udp] <-> 2001:db8::5:4000 [prflx,udp]"},
            ("2001:db8::5", "4000", "prflx"),
        ),
        (
            {
                "selected-pair": "ignored",
                "candidates": {
                    "local": {"address": "10.0.0.1", "port": 1, "type": "host"},
                    "remote": {
                        "address": "192.0.2.7",
                        "port": 9,
                        "type": "relay",
                        "transport": "udp",
                    },
                },
            },
            ("192.0.2.7", 9, "relay"),
        ),
    ],
)
def test_selected_pairs_in_both_formats(
    event: dict[str, object], expected: tuple[object, ...]
) -> None:
    pair = parse_selected_pair(event)
    assert (
        pair["remote_address"],
        pair["remote_port"],
        pair["remote_type"],
    ) == expected
