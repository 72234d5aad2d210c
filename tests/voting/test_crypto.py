"""The ballot keeper: fixed-length sealed ballots, keys in memory only (ADR 0008)."""

from __future__ import annotations

import pytest

from prachum.voting.crypto import BallotBoxUnavailable, BallotKeeper, BallotUnreadable


def test_every_ballot_of_a_poll_seals_to_the_same_length_and_opens_again() -> None:
    keeper = BallotKeeper()
    box = keeper.open_box(poll_id="p1", width=3)
    choices = [[0], [1], [2], []]
    sealed = [keeper.seal(poll_id="p1", box_id=box, positions=c) for c in choices]
    assert len({len(s) for s in sealed}) == 1
    assert len(set(sealed)) == len(sealed)  # random nonces
    assert keeper.unseal(poll_id="p1", box_id=box, sealed=sealed) == choices


def test_the_same_choice_seals_differently_each_time() -> None:
    keeper = BallotKeeper()
    box = keeper.open_box(poll_id="p1", width=9)
    one = keeper.seal(poll_id="p1", box_id=box, positions=[4])
    two = keeper.seal(poll_id="p1", box_id=box, positions=[4])
    assert one != two


def test_a_ballot_altered_or_moved_to_another_poll_does_not_open() -> None:
    keeper = BallotKeeper()
    box1 = keeper.open_box(poll_id="p1", width=3)
    box2 = keeper.open_box(poll_id="p2", width=3)
    sealed = keeper.seal(poll_id="p1", box_id=box1, positions=[0])
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(BallotUnreadable):
        keeper.unseal(poll_id="p1", box_id=box1, sealed=[flipped])
    with pytest.raises(BallotUnreadable):
        keeper.unseal(poll_id="p2", box_id=box2, sealed=[sealed])


def test_without_the_key_nothing_is_sealed_or_opened() -> None:
    keeper = BallotKeeper()
    box = keeper.open_box(poll_id="p1", width=3)
    sealed = keeper.seal(poll_id="p1", box_id=box, positions=[1])
    restarted = BallotKeeper()  # another process, or this one after a restart
    assert not restarted.holds(poll_id="p1", box_id=box)
    with pytest.raises(BallotBoxUnavailable):
        restarted.seal(poll_id="p1", box_id=box, positions=[1])
    with pytest.raises(BallotBoxUnavailable):
        restarted.unseal(poll_id="p1", box_id=box, sealed=[sealed])
    keeper.forget(poll_id="p1")
    assert not keeper.holds(poll_id="p1", box_id=box)
    with pytest.raises(BallotBoxUnavailable):
        keeper.seal(poll_id="p1", box_id="", positions=[1])


def test_the_keeper_never_shows_a_key() -> None:
    keeper = BallotKeeper()
    keeper.open_box(poll_id="p1", width=3)
    box = keeper._boxes["p1"]
    assert "aead" not in repr(box)
    assert repr(keeper) == "<BallotKeeper holding 1 box(es)>"


@pytest.mark.parametrize("positions", [[3], [-1]])
def test_out_of_range_positions_are_refused(positions: list[int]) -> None:
    keeper = BallotKeeper()
    box = keeper.open_box(poll_id="p", width=3)
    with pytest.raises(ValueError, match="out of range"):
        keeper.seal(poll_id="p", box_id=box, positions=positions)


def test_a_box_needs_an_option() -> None:
    with pytest.raises(ValueError, match="at least one option"):
        BallotKeeper().open_box(poll_id="p", width=0)
