"""Paper ballots of a secret vote, counted by two tellers and entered as one batch
(Decree s.6, s.9(2); R27).

The secretary enters the counts per choice with the two tellers and the in-room
members who handed in a paper ballot. Each paper ballot is sealed into the poll's
ballot box like a device or terminal ballot (docs/adr/0008), so the close counts one
box; the record keeps how many ballots, the tellers and the voters (their
participation rows, channel ``paper``), never the batch's counts per choice: a batch
of one would show that member's choice.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.meetings.lookups import committee_user
from prachum.meetings.models import Meeting
from prachum.room.state import commit_room_change
from prachum.voting import room_selectors, selectors
from prachum.voting.ballots import already_voted, choice_positions, seal
from prachum.voting.error_codes import VotingError as E
from prachum.voting.events import VotingEvent
from prachum.voting.limits import PAPER_BATCH_MAX
from prachum.voting.models import (
    BallotChannel,
    PaperBallotBatch,
    PendingSecretBallot,
    Poll,
    PollKind,
    VoteParticipation,
)
from prachum.voting.room_ballots import (
    locked_open_poll,
    poll_patch,
    require_room_voter,
    require_secret,
)

_shuffler = secrets.SystemRandom()


def _paper_ballots(
    poll: Poll,
    keys: list[str],
    counts: Mapping[str, Any] | None,
    marked: Sequence[Sequence[str]] | None,
) -> list[list[int]]:
    """The batch as ballots (positions), each checked by the law engine.

    ``counts`` (choice → number; ``blank`` for an empty ballot of an election) for a
    motion or a one-of-N vote; ``marked`` (each ballot's chosen option ids) for any
    vote, and the only way for an up-to-k-of-N vote where k > 1 (counts per option
    cannot say which marks were on one ballot)."""
    invalid = ServiceError(
        E.INVALID_CHOICE,
        _("The counts do not fit this vote's choices."),
        field="counts",
    )
    if marked is not None:
        if len(marked) > PAPER_BATCH_MAX:
            raise invalid
        out = []
        for m in marked:
            one = (
                m[0]
                if poll.kind == PollKind.MOTION
                and not isinstance(m, str)
                and isinstance(m, Sequence)
                and len(m) == 1
                else m
            )
            out.append(choice_positions(keys, poll.kind, poll.max_choices, one))
        return out
    if counts is None or (poll.kind == PollKind.UP_TO_K_OF_N and poll.max_choices > 1):
        raise ServiceError(
            E.INVALID_CHOICE,
            _("For a vote with several marks per ballot, enter each paper ballot."),
            field="counts",
        )
    ballots: list[list[int]] = []
    for key, value in counts.items():
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value <= PAPER_BATCH_MAX
        ):
            raise invalid
        if key == "blank" and poll.kind != PollKind.MOTION:
            ballots += [[] for _n in range(value)]
        elif key in keys:
            ballots += [[keys.index(key)] for _n in range(value)]
        else:
            raise invalid
    return ballots


def _person(meeting: Meeting, someone: Any) -> Any | None:
    """A person on the roster, from a user or an id (``None`` for anything else)."""
    try:
        user_id = UUID(str(getattr(someone, "pk", someone)))
    except ValueError:
        return None
    return committee_user(meeting=meeting, user_id=user_id)


def _tellers(poll: Poll, tellers: Sequence[Any]) -> list[Any]:
    people = [p for p in (_person(poll.meeting, t) for t in tellers) if p is not None]
    if len(people) != 2 or len(tellers) != 2 or people[0].pk == people[1].pk:
        raise ServiceError(
            E.TELLERS_INVALID,
            _("Name two different people on the roster as the tellers."),
            field="tellers",
        )
    return people


def record_paper_batch(
    *,
    actor: Actor,
    poll: Poll,
    tellers: Sequence[Any],
    voters: Sequence[Any],
    counts: Mapping[str, Any] | None = None,
    marked: Sequence[Sequence[str]] | None = None,
) -> PaperBallotBatch:
    """Enter a batch of paper ballots of a secret vote, counted by two tellers.

    ``voters`` are the in-room members who handed in a paper ballot. Refused when the
    number of ballots is not the number of voters named (``PAPER_COUNT_MISMATCH``),
    exceeds the in-room eligible voters who have not voted by another channel
    (``PAPER_TOO_MANY``), when a named voter already voted (``ALREADY_VOTED``) or is
    not in the room (``NOT_IN_ROOM``), or when the tellers are not two different
    people on the roster (``TELLERS_INVALID``).
    """
    try:
        with transaction.atomic():
            room, poll = locked_open_poll(actor, poll)
            require_secret(poll, True)
            people = _tellers(poll, tellers)
            keys = selectors.option_keys(poll)
            ballots = _paper_ballots(poll, keys, counts, marked)
            waiting = room_selectors.room_voters_waiting(poll)
            if len(ballots) > len(waiting):
                raise ServiceError(
                    E.PAPER_TOO_MANY,
                    _(
                        "%(ballots)d paper ballots, but only %(waiting)d eligible members in the room have not voted."
                    )
                    % {"ballots": len(ballots), "waiting": len(waiting)},
                    field="counts",
                )
            named = [
                p for p in (_person(poll.meeting, v) for v in voters) if p is not None
            ]
            if len(named) != len(voters):
                raise ServiceError(
                    E.NOT_ELIGIBLE,
                    _(
                        "Everyone named as having handed in a paper ballot must be on the roster."
                    ),
                    field="voters",
                )
            voter_ids = {str(p.pk) for p in named}
            if (
                not ballots
                or len(ballots) != len(voters)
                or len(voter_ids) != len(voters)
            ):
                raise ServiceError(
                    E.PAPER_COUNT_MISMATCH,
                    _(
                        "The number of paper ballots (%(ballots)d) must equal the number of members named as having handed one in (%(voters)d)."
                    )
                    % {"ballots": len(ballots), "voters": len(voter_ids)},
                    field="voters",
                )
            for person in named:
                require_room_voter(poll, person)
            sealed = [
                seal(poll_id=poll.pk, box_id=poll.box_id, positions=b) for b in ballots
            ]
            _shuffler.shuffle(sealed)
            VoteParticipation.objects.bulk_create(
                VoteParticipation(poll=poll, voter=p, channel=BallotChannel.PAPER)
                for p in named
            )
            PendingSecretBallot.objects.bulk_create(
                PendingSecretBallot(poll=poll, sealed=s) for s in sealed
            )
            batch = PaperBallotBatch.objects.create(
                poll=poll,
                ballots=len(ballots),
                teller_1=people[0],
                teller_2=people[1],
                voters=sorted(voter_ids),
                recorded_by=actor,
                at=timezone.now(),
            )
            commit_room_change(
                room,
                actor=actor,
                kind=VotingEvent.PAPER_BATCH_RECORDED,
                payload={
                    "poll": str(poll.pk),
                    "batch": str(batch.pk),
                    "ballots": batch.ballots,
                    "tellers": [str(people[0].pk), str(people[1].pk)],
                    "voters": batch.voters,
                    "recorded_by": str(actor.pk),
                    "channel": BallotChannel.PAPER.value,
                },
                patch=poll_patch(poll),
            )
    except IntegrityError:
        raise already_voted() from None
    return batch
