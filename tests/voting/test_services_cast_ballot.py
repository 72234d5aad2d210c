"""Casting a ballot: refusals by code, open ballots with identity, sealed secret ballots,
eligibility frozen at opening, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Connection, RoomState
from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import participants as room_participants
from prachum.room.state import room_group
from prachum.voting import ballots, polls, selectors
from prachum.voting.models import (
    OpenBallot,
    PendingSecretBallot,
    Poll,
    PollStatus,
    SecretBallot,
    VoteParticipation,
)
from tests.voting.conftest import option_ids, refusal

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        VoteParticipation.objects.count(),
        OpenBallot.objects.count(),
        PendingSecretBallot.objects.count(),
        SecretBallot.objects.count(),
        EvidenceEvent.objects.count(),
    )


# --- the refusal table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "max_choices", "choice"),
    [
        ("motion", [], 1, "maybe"),
        ("motion", [], 1, ""),
        ("motion", [], 1, ["yes"]),
        ("motion", [], 1, None),
        ("motion", [], 1, 1),
        ("one_of_n", ["ก", "ข", "ค"], 1, "yes"),
        ("one_of_n", ["ก", "ข", "ค"], 1, ["not-an-option"]),
        ("one_of_n", ["ก", "ข", "ค"], 1, [0, 1]),
        ("one_of_n", ["ก", "ข", "ค"], 1, "two-options"),
        ("up_to_k_of_n", ["ก", "ข", "ค", "ง"], 2, "three-options"),
        ("up_to_k_of_n", ["ก", "ข", "ค", "ง"], 2, "duplicate"),
        ("up_to_k_of_n", ["ก", "ข", "ค", "ง"], 2, {"a": 1}),
    ],
)
@pytest.mark.parametrize("secret", [False, True])
def test_an_invalid_choice_is_refused_and_nothing_is_written(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    kind: str,
    options: list[str],
    max_choices: int,
    choice: Any,
    secret: bool,
) -> None:
    poll = make_poll(
        item, kind=kind, options=options, max_choices=max_choices, secret=secret
    )
    ids = option_ids(poll)
    if ids and isinstance(choice, str):
        choice = {
            "two-options": ids[:2],
            "three-options": ids[:3],
            "duplicate": [ids[0], ids[0]],
        }.get(choice, choice)
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice=choice)
    assert refusal(excinfo) == "INVALID_CHOICE"
    assert _counts() == before


def test_a_ballot_before_opening_or_after_closing_is_refused(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    draft = make_poll(item, open=False)
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=draft, choice="yes")
    assert refusal(excinfo) == "POLL_NOT_OPEN"
    poll = polls.open_poll(actor=chair, poll=draft)
    polls.close_poll(actor=chair, poll=poll)
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    assert refusal(excinfo) == "POLL_NOT_OPEN"
    assert _counts() == before


@pytest.mark.parametrize("who", ["secretary", "outsider", "away", "invitee"])
def test_a_person_not_eligible_is_refused(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    outsider: Any,
    who: str,
) -> None:
    from prachum.committees.models import Role
    from tests.factories import MembershipFactory

    poll = make_poll(item)
    person = {
        "secretary": secretary,
        "outsider": outsider,
        "away": voters[7],
        "invitee": MembershipFactory(committee=room.committee, role=Role.INVITEE).user,
    }[who]
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=person, poll=poll, choice="yes")
    assert refusal(excinfo) == "NOT_ELIGIBLE"
    assert _counts() == before


def test_a_second_ballot_is_refused_and_changes_nothing(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], voters: list[Any]
) -> None:
    poll = make_poll(item)
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice="no")
    assert refusal(excinfo) == "ALREADY_VOTED"
    assert "already voted" in str(excinfo.value.message)
    assert _counts() == before
    assert OpenBallot.objects.get(poll=poll, voter=voters[1]).choice == ["yes"]


def test_the_unique_constraint_refuses_a_second_ballot_the_checks_missed(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard is the database, not the pre-check that reads ``voter_has_voted``."""
    from prachum.voting import lock_objects

    poll = make_poll(item, secret=True)
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    before = _counts()
    real = lock_objects.share_poll

    def blind(poll_id: Any, *, voter: Any) -> Any:
        return real(poll_id, voter=voter)._replace(voter_has_voted=False)

    monkeypatch.setattr(lock_objects, "share_poll", blind)
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice="no")
    assert refusal(excinfo) == "ALREADY_VOTED"
    assert _counts() == before


# --- eligibility is frozen at opening --------------------------------------------------


def test_someone_who_connects_after_opening_cannot_vote(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    present: Callable[..., Connection],
) -> None:
    poll = make_poll(item)
    present(voters[6], room)  # member5 arrives after the vote opened
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[6], poll=poll, choice="yes")
    assert refusal(excinfo) == "NOT_ELIGIBLE"


def test_someone_present_at_opening_who_drops_out_may_still_vote(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    leave: Callable[[Any, Meeting], None],
) -> None:
    """Eligible = present at opening: a dropped connection does not take the vote
    away before the close (legal.md §D.6 leaves this to sign-off; documented)."""
    poll = make_poll(item)
    leave(voters[3], room)
    ballots.cast_ballot(voter=voters[3], poll=poll, choice="no")
    assert OpenBallot.objects.get(poll=poll, voter=voters[3]).choice == ["no"]


def test_someone_the_chair_removed_after_opening_cannot_vote(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(item)
    room_participants.remove_participant(
        actor=chair, meeting=room, user=voters[3], reason="ก่อความวุ่นวาย"
    )
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[3], poll=poll, choice="no")
    assert refusal(excinfo) == "NOT_ELIGIBLE"


# --- open ballots: choice with identity (R26) -----------------------------------------------


def test_an_open_ballot_records_the_voter_and_the_choice(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    poll = make_poll(item)
    version = RoomState.objects.get(meeting=room).version
    listener = listen(room_group(room.pk))
    with django_capture_on_commit_callbacks(execute=True):
        participation = ballots.cast_ballot(voter=voters[2], poll=poll, choice="no")
    assert participation.voter == voters[2]
    ballot = OpenBallot.objects.get(poll=poll)
    assert (ballot.voter, ballot.choice) == (voters[2], ["no"])
    assert list_events(chain_key=room.chain_key).last().kind == "poll.opened"
    [published] = listener.events()
    assert published["type"] == "poll.progress"
    assert "version" not in published  # ballots do not bump the room version
    assert (published["cast"], published["eligible"]) == (1, 6)
    assert published["ballot"]["voter"] == str(voters[2].pk)
    assert published["ballot"]["choice"] == ["no"]
    assert RoomState.objects.get(meeting=room).version == version
    shown = selectors.poll_dict(Poll.objects.get(pk=poll.pk), viewer=voters[2])
    assert shown["ballots"][0]["name"] == voters[2].display_name
    assert shown["ballots"][0]["choice"] == ["no"]
    assert shown["me"] == {"eligible": True, "voted": True}


def test_an_open_polls_ballots_enter_the_evidence_chain_with_the_close(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(item)
    for voter, choice in zip(voters[:3], ["no", "yes", "abstain"], strict=True):
        ballots.cast_ballot(voter=voter, poll=poll, choice=choice)
    polls.close_poll(actor=chair, poll=poll)
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "poll.closed"
    assert event.payload["voters"] == sorted(str(v.pk) for v in voters[:3])
    recorded = {b["voter"]: b["choice"] for b in event.payload["ballots"]}
    assert recorded == {
        str(voters[0].pk): ["no"],
        str(voters[1].pk): ["yes"],
        str(voters[2].pk): ["abstain"],
    }
    assert all(b["cast_at"] for b in event.payload["ballots"])


def test_an_open_election_ballot_keeps_the_options_in_poll_order(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], voters: list[Any]
) -> None:
    poll = make_poll(
        item, kind="up_to_k_of_n", options=["ก", "ข", "ค", "ง"], max_choices=3
    )
    ids = option_ids(poll)
    ballots.cast_ballot(voter=voters[0], poll=poll, choice=[ids[3], ids[0]])
    ballots.cast_ballot(voter=voters[1], poll=poll, choice=[])  # blank
    assert OpenBallot.objects.get(voter=voters[0]).choice == [ids[0], ids[3]]
    assert OpenBallot.objects.get(voter=voters[1]).choice == []


# --- secret ballots while open: sealed, nothing shown (R27) --------------------------------


def test_a_secret_ballot_is_sealed_and_nothing_reveals_the_choice_before_close(
    secret_item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
    chair: Any,
) -> None:
    meeting = secret_item.meeting
    poll = make_poll(secret_item, kind="one_of_n", options=["ก", "ข", "ค"])
    ids = option_ids(poll)
    listener = listen(room_group(meeting.pk))
    with django_capture_on_commit_callbacks(execute=True):
        ballots.cast_ballot(voter=voters[0], poll=poll, choice=[ids[0]])
        ballots.cast_ballot(voter=voters[1], poll=poll, choice=[])
    assert not OpenBallot.objects.exists()
    assert not SecretBallot.objects.exists()
    sealed = [bytes(p.sealed) for p in PendingSecretBallot.objects.filter(poll=poll)]
    assert len(sealed) == 2
    assert len({len(s) for s in sealed}) == 1  # a blank ballot looks like any other
    for blob in sealed:
        assert not any(
            i.encode() in blob or i.replace("-", "").encode() in blob for i in ids
        )
    assert list_events(chain_key=meeting.chain_key).last().kind == "poll.opened"
    published = listener.events()
    assert [(e["cast"], e["eligible"]) for e in published] == [(1, 6), (2, 6)]
    assert all(set(e) == {"type", "poll", "cast", "eligible"} for e in published)
    shown = selectors.poll_dict(Poll.objects.get(pk=poll.pk), viewer=voters[0])
    assert (shown["cast"], shown["result"], shown["ballots"]) == (2, None, None)
    assert shown["me"] == {"eligible": True, "voted": True}


def test_a_closed_secret_poll_shows_totals_only(
    secret_item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(secret_item)
    for voter, choice in zip(
        voters[:5], ["yes", "yes", "yes", "no", "abstain"], strict=True
    ):
        ballots.cast_ballot(voter=voter, poll=poll, choice=choice)
    poll = polls.close_poll(actor=chair, poll=poll)
    assert poll.status == PollStatus.CLOSED
    assert not PendingSecretBallot.objects.exists()
    assert sorted(b.choice[0] for b in SecretBallot.objects.filter(poll=poll)) == [
        "abstain",
        "no",
        "yes",
        "yes",
        "yes",
    ]
    shown = selectors.poll_dict(poll, viewer=voters[0])
    assert shown["ballots"] is None
    assert shown["result"]["tally"] == {"yes": 3, "no": 1, "abstain": 1}
    assert shown["result"]["ballots_cast"] == 5
    event = list_events(chain_key=secret_item.meeting.chain_key).last()
    assert event.kind == "poll.closed"
    assert event.payload["result"]["tally"] == {"yes": 3, "no": 1, "abstain": 1}
    assert event.payload["voters"] == sorted(str(v.pk) for v in voters[:5])
    assert "ballots" not in event.payload


def test_the_key_is_forgotten_once_the_close_commits(
    secret_item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from prachum.voting.crypto import keeper

    poll = make_poll(secret_item)
    ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    assert keeper.holds(poll_id=str(poll.pk), box_id=poll.box_id)
    with django_capture_on_commit_callbacks(execute=True):
        polls.close_poll(actor=chair, poll=poll)
    assert not keeper.holds(poll_id=str(poll.pk), box_id=poll.box_id)
