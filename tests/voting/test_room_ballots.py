"""Ballots from the meeting room (R26, R27): a show of hands recorded by the
secretary, the room ballot terminal, paper ballots counted by two tellers. One tally,
one list of who may vote, exactly once per person whatever the channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import ballots, paper_ballots, polls, room_ballots, room_selectors
from prachum.voting.models import (
    OpenBallot,
    PaperBallotBatch,
    PendingSecretBallot,
    Poll,
    SecretBallot,
    TerminalUnlock,
    VoteParticipation,
)
from tests.voting.conftest import option_ids, refusal

pytestmark = pytest.mark.django_db


def _event(meeting: Meeting, kind: str) -> Any:
    return list_events(chain_key=meeting.chain_key).filter(kind=kind).last()


@pytest.fixture
def open_vote(
    hybrid_room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll]
) -> Poll:
    return make_poll(item, secret=False)


@pytest.fixture
def secret_vote(
    hybrid_room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll]
) -> Poll:
    return make_poll(item, kind="one_of_n", options=["ก", "ข", "ค"], secret=True)


# --- who may vote from the room ------------------------------------------------------


def test_in_room_members_are_eligible_like_anyone_present(
    open_vote: Poll, voters: list[Any]
) -> None:
    assert open_vote.eligible_count == 8
    assert room_selectors.room_voters_waiting(open_vote) == sorted(
        str(u.pk) for u in voters[6:]
    )


# --- show of hands --------------------------------------------------------------------


def test_a_show_of_hands_is_an_open_ballot_with_its_channel_and_recorder(
    open_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    member5 = voters[6]
    room_ballots.record_hand_vote(
        actor=secretary, poll=open_vote, voter=member5, choice="no"
    )
    ballot = OpenBallot.objects.get(poll=open_vote, voter=member5)
    assert (ballot.choice, ballot.channel, ballot.recorded_by) == (
        ["no"],
        "hands",
        secretary,
    )
    assert VoteParticipation.objects.get(poll=open_vote, voter=member5).channel == (
        "hands"
    )
    event = _event(hybrid_room, "poll.hand_recorded")
    assert event.payload["voter"] == str(member5.pk)
    assert event.payload["channel"] == "hands"
    assert event.payload["recorded_by"] == str(secretary.pk)
    assert event.payload["choice"] == ["no"]


def test_a_show_of_hands_only_for_members_signed_in_at_the_room(
    open_vote: Poll, voters: list[Any], secretary: Any
) -> None:
    remote = voters[2]  # member1, connected from their own device
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary, poll=open_vote, voter=remote, choice="yes"
        )
    assert refusal(excinfo) == "NOT_IN_ROOM"
    assert not VoteParticipation.objects.filter(poll=open_vote).exists()


def test_a_member_seated_after_the_vote_opened_may_not_vote(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    seat_in_room: Callable[[Any, Meeting], Any],
) -> None:
    Meeting.objects.filter(pk=room.pk).update(mode="hybrid", venue="ห้องประชุม 301")
    room.refresh_from_db()
    poll = make_poll(item, secret=False)
    seat_in_room(voters[7], room)
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary, poll=poll, voter=voters[7], choice="yes"
        )
    assert refusal(excinfo) == "NOT_ELIGIBLE"


def test_a_member_signed_out_of_the_room_can_no_longer_vote_there(
    open_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    from prachum.attendance.models import Connection

    Connection.objects.filter(meeting=hybrid_room, user=voters[6]).update(
        disconnected_at=timezone.now()
    )
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary, poll=open_vote, voter=voters[6], choice="yes"
        )
    assert refusal(excinfo) == "NOT_IN_ROOM"


def test_only_the_chair_or_secretariat_records_hands(
    open_vote: Poll, voters: list[Any]
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=voters[2], poll=open_vote, voter=voters[6], choice="yes"
        )
    assert refusal(excinfo) == "NOT_ALLOWED"


def test_a_secret_vote_is_never_taken_by_hands(
    secret_vote: Poll, voters: list[Any], secretary: Any
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary,
            poll=secret_vote,
            voter=voters[6],
            choice=[option_ids(secret_vote)[0]],
        )
    assert refusal(excinfo) == "WRONG_CHANNEL"


def test_a_voter_cannot_vote_twice_across_channels(
    open_vote: Poll,
    voters: list[Any],
    secretary: Any,
    hybrid_room: Meeting,
    seat_in_room: Callable[[Any, Meeting], Any],
) -> None:
    member5 = voters[6]
    room_ballots.record_hand_vote(
        actor=secretary, poll=open_vote, voter=member5, choice="yes"
    )
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=member5, poll=open_vote, choice="no")
    assert refusal(excinfo) == "ALREADY_VOTED"
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary, poll=open_vote, voter=member5, choice="no"
        )
    assert refusal(excinfo) == "ALREADY_VOTED"
    # member4 has a device and is also signed in at the room: voted on the device,
    # the secretary cannot record a hand for them.
    member4 = voters[5]
    seat_in_room(member4, hybrid_room)
    ballots.cast_ballot(voter=member4, poll=open_vote, choice="no")
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.record_hand_vote(
            actor=secretary, poll=open_vote, voter=member4, choice="yes"
        )
    assert refusal(excinfo) == "ALREADY_VOTED"
    assert OpenBallot.objects.filter(poll=open_vote).count() == 2


def test_an_open_vote_with_hands_and_devices_is_one_tally_with_channels(
    open_vote: Poll, voters: list[Any], secretary: Any, chair: Any, hybrid_room: Meeting
) -> None:
    for voter in voters[:6]:
        ballots.cast_ballot(voter=voter, poll=open_vote, choice="yes")
    room_ballots.record_hand_vote(
        actor=secretary, poll=open_vote, voter=voters[6], choice="no"
    )
    room_ballots.record_hand_vote(
        actor=secretary, poll=open_vote, voter=voters[7], choice="abstain"
    )
    closed = polls.close_poll(actor=chair, poll=open_vote)
    assert closed.tally == {"yes": 6, "no": 1, "abstain": 1}
    assert closed.ballots_cast == 8
    assert closed.channels == {"device": 6, "hands": 2, "terminal": 0, "paper": 0}
    payload = _event(hybrid_room, "poll.closed").payload
    assert payload["result"]["channels"] == closed.channels
    assert payload["voters_by_channel"]["hands"] == sorted(
        str(u.pk) for u in voters[6:]
    )
    hands = [b for b in payload["ballots"] if b["channel"] == "hands"]
    assert {b["recorded_by"] for b in hands} == {str(secretary.pk)}


# --- the room ballot terminal ---------------------------------------------------------


def _unlock_and_claim(
    poll: Poll, voter: Any, secretary: Any
) -> tuple[TerminalUnlock, str]:
    room_ballots.unlock_terminal(actor=secretary, poll=poll, voter=voter)
    claimed = room_ballots.claim_terminal(actor=secretary, meeting=poll.meeting)
    assert claimed is not None
    return claimed


def test_a_terminal_ballot_goes_into_the_sealed_box_once(
    secret_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    member5 = voters[6]
    unlock, token = _unlock_and_claim(secret_vote, member5, secretary)
    assert len(unlock.token_hash) == 64
    assert token not in unlock.token_hash
    choice = [option_ids(secret_vote)[1]]
    room_ballots.cast_at_terminal(
        actor=secretary, poll=secret_vote, token=token, choice=choice
    )
    participation = VoteParticipation.objects.get(poll=secret_vote, voter=member5)
    assert participation.channel == "terminal"
    assert PendingSecretBallot.objects.filter(poll=secret_vote).count() == 1
    unlock.refresh_from_db()
    assert unlock.used
    assert unlock.token_hash == ""
    # The token is spent: the terminal is locked again.
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.cast_at_terminal(
            actor=secretary, poll=secret_vote, token=token, choice=choice
        )
    assert refusal(excinfo) == "TERMINAL_TOKEN_INVALID"
    assert room_ballots.claim_terminal(actor=secretary, meeting=hybrid_room) is None
    event = _event(hybrid_room, "poll.terminal_ballot_cast")
    assert {k: v for k, v in event.payload.items() if k != "room_version"} == {
        "poll": str(secret_vote.pk),
        "unlock": str(unlock.pk),
        "voter": str(member5.pk),
        "channel": "terminal",
    }


def test_a_terminal_unlock_is_claimed_once(
    secret_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    _unlock_and_claim(secret_vote, voters[6], secretary)
    assert room_ballots.claim_terminal(actor=secretary, meeting=hybrid_room) is None


def test_a_terminal_unlock_expires(
    secret_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    unlock, token = _unlock_and_claim(secret_vote, voters[6], secretary)
    TerminalUnlock.objects.filter(pk=unlock.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.cast_at_terminal(
            actor=secretary,
            poll=secret_vote,
            token=token,
            choice=[option_ids(secret_vote)[0]],
        )
    assert refusal(excinfo) == "TERMINAL_TOKEN_INVALID"
    assert not VoteParticipation.objects.filter(poll=secret_vote).exists()
    # An unlock that expired before the terminal claimed it is not given out either.
    room_ballots.unlock_terminal(actor=secretary, poll=secret_vote, voter=voters[7])
    TerminalUnlock.objects.filter(voter=voters[7]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert room_ballots.claim_terminal(actor=secretary, meeting=hybrid_room) is None


def test_a_wrong_token_casts_nothing(
    secret_vote: Poll, voters: list[Any], secretary: Any
) -> None:
    _unlock_and_claim(secret_vote, voters[6], secretary)
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.cast_at_terminal(
            actor=secretary,
            poll=secret_vote,
            token="guessed",
            choice=[option_ids(secret_vote)[0]],
        )
    assert refusal(excinfo) == "TERMINAL_TOKEN_INVALID"
    assert not PendingSecretBallot.objects.filter(poll=secret_vote).exists()


def test_unlocking_for_another_member_locks_out_the_first(
    secret_vote: Poll, voters: list[Any], secretary: Any, hybrid_room: Meeting
) -> None:
    _first, token = _unlock_and_claim(secret_vote, voters[6], secretary)
    room_ballots.unlock_terminal(actor=secretary, poll=secret_vote, voter=voters[7])
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.cast_at_terminal(
            actor=secretary,
            poll=secret_vote,
            token=token,
            choice=[option_ids(secret_vote)[0]],
        )
    assert refusal(excinfo) == "TERMINAL_TOKEN_INVALID"
    assert _event(hybrid_room, "poll.terminal_unlocked").payload["superseded"] == [
        str(voters[6].pk)
    ]


@pytest.mark.parametrize(
    ("who", "code"),
    [(2, "NOT_IN_ROOM"), (6, "ALREADY_VOTED")],
)
def test_the_terminal_unlocks_only_for_an_in_room_member_who_has_not_voted(
    secret_vote: Poll, voters: list[Any], secretary: Any, who: int, code: str
) -> None:
    if code == "ALREADY_VOTED":
        _, token = _unlock_and_claim(secret_vote, voters[6], secretary)
        room_ballots.cast_at_terminal(
            actor=secretary,
            poll=secret_vote,
            token=token,
            choice=[option_ids(secret_vote)[0]],
        )
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.unlock_terminal(
            actor=secretary, poll=secret_vote, voter=voters[who]
        )
    assert refusal(excinfo) == code


def test_the_terminal_is_for_secret_votes(
    open_vote: Poll, voters: list[Any], secretary: Any
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        room_ballots.unlock_terminal(actor=secretary, poll=open_vote, voter=voters[6])
    assert refusal(excinfo) == "WRONG_CHANNEL"


def test_a_member_who_voted_at_the_terminal_cannot_vote_on_paper(
    secret_vote: Poll, voters: list[Any], secretary: Any, chair: Any
) -> None:
    _, token = _unlock_and_claim(secret_vote, voters[6], secretary)
    room_ballots.cast_at_terminal(
        actor=secretary,
        poll=secret_vote,
        token=token,
        choice=[option_ids(secret_vote)[0]],
    )
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=secret_vote,
            tellers=[chair, secretary],
            voters=[voters[6]],
            counts={option_ids(secret_vote)[0]: 1},
        )
    # member5 voted, so only member6 is waiting: one ballot fits, but not from member5.
    assert refusal(excinfo) == "ALREADY_VOTED"


# --- paper ballots ---------------------------------------------------------------------


def test_paper_ballots_need_two_different_tellers_on_the_roster(
    secret_vote: Poll, voters: list[Any], secretary: Any, outsider: Any
) -> None:
    a = option_ids(secret_vote)[0]
    for tellers in ([secretary, secretary], [secretary], [secretary, outsider]):
        with pytest.raises(ServiceError) as excinfo:
            paper_ballots.record_paper_batch(
                actor=secretary,
                poll=secret_vote,
                tellers=tellers,
                voters=[voters[6]],
                counts={a: 1},
            )
        assert refusal(excinfo) == "TELLERS_INVALID"
    assert not PaperBallotBatch.objects.exists()


def test_paper_ballots_must_match_the_members_named(
    secret_vote: Poll, voters: list[Any], secretary: Any, chair: Any
) -> None:
    a, b, _c = option_ids(secret_vote)
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=secret_vote,
            tellers=[chair, secretary],
            voters=[voters[6]],
            counts={a: 1, b: 1},
        )
    assert refusal(excinfo) == "PAPER_COUNT_MISMATCH"
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=secret_vote,
            tellers=[chair, secretary],
            voters=[],
            counts={a: 0},
        )
    assert refusal(excinfo) == "PAPER_COUNT_MISMATCH"


def test_paper_ballots_may_not_exceed_the_room_members_who_have_not_voted(
    secret_vote: Poll, voters: list[Any], secretary: Any, chair: Any
) -> None:
    a = option_ids(secret_vote)[0]
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=secret_vote,
            tellers=[chair, secretary],
            voters=[voters[6], voters[7], voters[2]],
            counts={a: 3},
        )
    assert refusal(excinfo) == "PAPER_TOO_MANY"
    # Two fit, but member1 is at home on a device, not in the room.
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=secret_vote,
            tellers=[chair, secretary],
            voters=[voters[6], voters[2]],
            counts={a: 2},
        )
    assert refusal(excinfo) == "NOT_IN_ROOM"
    assert not VoteParticipation.objects.filter(poll=secret_vote).exists()


def test_paper_counts_must_fit_the_choices(
    secret_vote: Poll, voters: list[Any], secretary: Any, chair: Any
) -> None:
    for counts in ({"yes": 1}, {option_ids(secret_vote)[0]: -1}):
        with pytest.raises(ServiceError) as excinfo:
            paper_ballots.record_paper_batch(
                actor=secretary,
                poll=secret_vote,
                tellers=[chair, secretary],
                voters=[voters[6]],
                counts=counts,
            )
        assert refusal(excinfo) == "INVALID_CHOICE"


def test_a_paper_batch_records_how_many_tellers_and_voters_not_what(
    secret_vote: Poll,
    voters: list[Any],
    secretary: Any,
    chair: Any,
    hybrid_room: Meeting,
) -> None:
    a, b, _c = option_ids(secret_vote)
    batch = paper_ballots.record_paper_batch(
        actor=secretary,
        poll=secret_vote,
        tellers=[chair, secretary],
        voters=[voters[6], voters[7]],
        counts={a: 1, b: 1},
    )
    assert batch.ballots == 2
    assert {batch.teller_1, batch.teller_2} == {chair, secretary}
    assert PendingSecretBallot.objects.filter(poll=secret_vote).count() == 2
    assert set(
        VoteParticipation.objects.filter(poll=secret_vote).values_list(
            "channel", flat=True
        )
    ) == {"paper"}
    payload = _event(hybrid_room, "poll.paper_batch_recorded").payload
    assert payload["ballots"] == 2
    assert payload["tellers"] == [str(chair.pk), str(secretary.pk)]
    assert payload["voters"] == sorted(str(u.pk) for u in voters[6:])
    assert a not in str(payload)
    assert b not in str(payload)


def test_a_secret_vote_with_devices_terminal_and_paper_is_one_tally(
    secret_vote: Poll,
    voters: list[Any],
    secretary: Any,
    chair: Any,
    hybrid_room: Meeting,
) -> None:
    a, b, c = option_ids(secret_vote)
    for voter, choice in zip(voters[:6], [a, a, a, b, b, c], strict=True):
        ballots.cast_ballot(voter=voter, poll=secret_vote, choice=[choice])
    _, token = _unlock_and_claim(secret_vote, voters[6], secretary)
    room_ballots.cast_at_terminal(
        actor=secretary, poll=secret_vote, token=token, choice=[b]
    )
    paper_ballots.record_paper_batch(
        actor=secretary,
        poll=secret_vote,
        tellers=[chair, secretary],
        voters=[voters[7]],
        counts={c: 1},
    )
    closed = polls.close_poll(actor=chair, poll=secret_vote)
    assert closed.tally["counts"] == {a: 3, b: 3, c: 2}
    assert closed.ballots_cast == 8
    assert closed.channels == {"device": 6, "hands": 0, "terminal": 1, "paper": 1}
    assert SecretBallot.objects.filter(poll=secret_vote).count() == 8
    assert not PendingSecretBallot.objects.filter(poll=secret_vote).exists()
    payload = _event(hybrid_room, "poll.closed").payload
    assert payload["voters_by_channel"]["terminal"] == [str(voters[6].pk)]
    assert payload["voters_by_channel"]["paper"] == [str(voters[7].pk)]
    assert payload["result"]["channels"] == closed.channels


def test_an_election_on_paper_is_entered_ballot_by_ballot(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    chair: Any,
) -> None:
    poll = make_poll(
        item, kind="up_to_k_of_n", options=["ก", "ข", "ค"], max_choices=2, secret=True
    )
    a, b, c = option_ids(poll)
    with pytest.raises(ServiceError) as excinfo:
        paper_ballots.record_paper_batch(
            actor=secretary,
            poll=poll,
            tellers=[chair, secretary],
            voters=voters[6:],
            counts={a: 2},
        )
    assert refusal(excinfo) == "INVALID_CHOICE"
    paper_ballots.record_paper_batch(
        actor=secretary,
        poll=poll,
        tellers=[chair, secretary],
        voters=voters[6:],
        marked=[[a, c], []],
    )
    closed = polls.close_poll(actor=chair, poll=poll, without_quorum_reason="ทดสอบ")
    assert closed.tally == {"counts": {a: 1, b: 0, c: 1}, "ballots": 2, "blank": 1}
