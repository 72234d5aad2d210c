"""The evidence chain (ETA B.E. 2544 ss.10-12; R34): a change, removal or re-ordering
of any event is reported at the first event where the chain breaks."""

import hashlib
from dataclasses import replace

import pytest

from prachum.domain.hashchain import (
    GENESIS_HASH,
    ChainLink,
    canonical_json,
    event_hash,
    verify_chain,
)


def build(*bodies):
    links, prev = [], GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        link = ChainLink(seq, body, prev, event_hash(prev, body))
        links.append(link)
        prev = link.hash
    return links


BODIES = [
    {"type": "meeting.opened", "by": "chair"},
    {"type": "participant.identity_confirmed", "who": "สมชาย", "method": "otp"},
    {"type": "vote.closed", "yes": 5, "no": 4},
    {"type": "meeting.closed"},
]


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": "ไทย"}) == '{"a":"ไทย","b":1}'.encode()
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})
    with pytest.raises(ValueError, match="JSON"):
        canonical_json({"x": float("nan")})


def test_event_hash_is_sha256_of_prev_hash_then_body():
    expected = hashlib.sha256(b"0" * 64 + b'{"a":1}').hexdigest()
    assert event_hash(GENESIS_HASH, {"a": 1}) == expected


def test_an_intact_chain_verifies():
    links = build(*BODIES)
    report = verify_chain(links)
    assert (report.ok, report.length, report.head, report.problem) == (
        True,
        4,
        links[-1].hash,
        None,
    )


def test_an_empty_chain_is_intact_at_genesis():
    report = verify_chain([])
    assert (report.ok, report.length, report.head) == (True, 0, GENESIS_HASH)


def test_a_one_byte_change_in_a_body_is_reported_at_that_seq():
    links = build(*BODIES)
    tampered = dict(links[2].body, yes=6)  # 5 -> 6: one byte of the JSON
    assert len(canonical_json(tampered)) == len(canonical_json(links[2].body))
    links[2] = replace(links[2], body=tampered)
    report = verify_chain(links)
    assert not report.ok
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_HASH_MISMATCH")
    assert report.head == links[1].hash  # the last hash that still verified


def test_a_removed_event_is_a_seq_gap():
    links = build(*BODIES)
    del links[1]
    report = verify_chain(links)
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_SEQ_GAP")


def test_reordered_events_are_a_seq_gap():
    links = build(*BODIES)
    links[1], links[2] = links[2], links[1]
    assert verify_chain(links).problem.code == "CHAIN_SEQ_GAP"


def test_an_event_rehashed_after_a_change_breaks_the_next_link():
    links = build(*BODIES)
    body = dict(links[1].body, who="someone else")
    links[1] = replace(links[1], body=body, hash=event_hash(links[1].prev_hash, body))
    report = verify_chain(links)
    assert (report.problem.seq, report.problem.code) == (3, "CHAIN_PREV_MISMATCH")


def test_a_forged_first_link_must_start_at_genesis():
    links = build(*BODIES)
    forged_prev = "f" * 64
    links[0] = replace(
        links[0], prev_hash=forged_prev, hash=event_hash(forged_prev, links[0].body)
    )
    report = verify_chain(links)
    assert (report.problem.seq, report.problem.code) == (1, "CHAIN_PREV_MISMATCH")
