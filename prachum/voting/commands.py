"""The vote commands of the room's one table (R26-R29, R52).

Registered into :data:`prachum.room.commands.COMMANDS` by ``VotingConfig.ready``:
voting builds on the room, so the room's table learns about votes from here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import CoreError, ServiceError
from prachum.meetings.models import Meeting
from prachum.room.commands import CHAIR, PARTICIPANT, RoomCommand
from prachum.voting import ballots, item_record, paper_ballots, polls, room_ballots
from prachum.voting.answers import ANSWERS
from prachum.voting.lookups import poll_of
from prachum.voting.selectors import live_poll


def _create(*, actor: Actor, meeting: Meeting, item: Any, **fields: Any) -> object:
    return polls.create_poll(actor=actor, item=item, **fields)


def _open(*, actor: Actor, meeting: Meeting, poll: Any, reason: str = "") -> object:
    return polls.open_poll(actor=actor, poll=poll, without_quorum_reason=reason)


def _close(*, actor: Actor, meeting: Meeting, poll: Any, reason: str = "") -> object:
    return polls.close_poll(actor=actor, poll=poll, without_quorum_reason=reason)


def _cast(*, actor: Actor, meeting: Meeting, poll: Any, choice: Any) -> object:
    return ballots.cast_ballot(voter=actor, poll=poll, choice=choice)


def _casting(*, actor: Actor, meeting: Meeting, poll: Any, choice: Any) -> object:
    return polls.cast_deciding_vote(actor=actor, poll=poll, choice=choice)


def _resolution(
    *, actor: Actor, meeting: Meeting, item: Any, text: str, poll: Any = None
) -> object:
    return item_record.record_resolution(actor=actor, item=item, text=text, poll=poll)


def _dissent(
    *, actor: Actor, meeting: Meeting, item: Any, member: Any, opinion: str
) -> object:
    return item_record.record_dissent(
        actor=actor, item=item, member=member, opinion=opinion
    )


def _hand(
    *, actor: Actor, meeting: Meeting, poll: Any, voter: Any, choice: Any
) -> object:
    return room_ballots.record_hand_vote(
        actor=actor, poll=poll, voter=voter, choice=choice
    )


def _unlock(*, actor: Actor, meeting: Meeting, poll: Any, voter: Any) -> object:
    return room_ballots.unlock_terminal(actor=actor, poll=poll, voter=voter)


def _lock(*, actor: Actor, meeting: Meeting, poll: Any) -> object:
    return room_ballots.lock_terminal(actor=actor, poll=poll)


def _terminal_cast(
    *, actor: Actor, meeting: Meeting, poll: Any, token: str, choice: Any
) -> object:
    return room_ballots.cast_at_terminal(
        actor=actor, poll=poll, token=token, choice=choice
    )


def _paper(
    *,
    actor: Actor,
    meeting: Meeting,
    poll: Any,
    tellers: list[Any],
    voters: list[Any],
    counts: dict[str, Any] | None = None,
    marked: list[list[str]] | None = None,
) -> object:
    return paper_ballots.record_paper_batch(
        actor=actor,
        poll=poll,
        tellers=tellers,
        voters=voters,
        counts=counts,
        marked=marked,
    )


COMMANDS: dict[str, RoomCommand] = {
    "poll.create": RoomCommand(
        _create, CHAIR, {"item": "item"}, answer=ANSWERS["poll.create"]
    ),
    "poll.open": RoomCommand(
        _open, CHAIR, {"poll": "poll"}, answer=ANSWERS["poll.open"]
    ),
    "poll.close": RoomCommand(
        _close, CHAIR, {"poll": "poll"}, answer=ANSWERS["poll.close"]
    ),
    "ballot.cast": RoomCommand(
        _cast, PARTICIPANT, {"poll": "poll"}, answer=ANSWERS["ballot.cast"]
    ),
    "poll.casting_vote": RoomCommand(
        _casting, CHAIR, {"poll": "poll"}, answer=ANSWERS["poll.casting_vote"]
    ),
    "ballot.hand": RoomCommand(
        _hand, CHAIR, {"poll": "poll", "voter": "member"}, answer=ANSWERS["ballot.hand"]
    ),
    "terminal.unlock": RoomCommand(
        _unlock,
        CHAIR,
        {"poll": "poll", "voter": "member"},
        answer=ANSWERS["terminal.unlock"],
    ),
    "terminal.lock": RoomCommand(
        _lock, CHAIR, {"poll": "poll"}, answer=ANSWERS["terminal.lock"]
    ),
    "terminal.cast": RoomCommand(
        _terminal_cast, CHAIR, {"poll": "poll"}, answer=ANSWERS["terminal.cast"]
    ),
    "paper.batch": RoomCommand(
        _paper, CHAIR, {"poll": "poll"}, answer=ANSWERS["paper.batch"]
    ),
    "resolution.record": RoomCommand(
        _resolution,
        CHAIR,
        {"item": "item", "poll": "poll"},
        answer=ANSWERS["resolution.record"],
    ),
    "dissent.record": RoomCommand(
        _dissent,
        PARTICIPANT,
        {"item": "item", "member": "member"},
        answer=ANSWERS["dissent.record"],
    ),
}

RESOLVERS = {"poll": poll_of}


def refuse_close_while_voting(meeting: Meeting) -> None:
    """A live poll's ballots reach the evidence chain only with its close (ADR 0008)."""
    if live_poll(meeting=meeting) is not None:
        raise ServiceError(
            CoreError.POLL_IN_PROGRESS,
            _(
                "A vote is in progress. Close the vote (or give the casting vote) before closing the meeting."
            ),
        )
