"""Ballots: cast exactly once, stored open or sealed, and the secret ones rewritten
unlinkably at close (docs/adr/0008).

Casting a ballot does not lock the room or touch the evidence chain: hundreds of
ballots arrive within seconds and must not queue on the room row or on the evidence
chain's head (see :func:`cast_ballot`). A ballot publishes a *non-versioned*
``poll.progress`` event on the room group carrying absolute figures (``cast``,
``eligible``), so a lost or reordered one is healed by the next one (keep the largest
``cast``) or by refetching the snapshot; clients must not gap-check events without a
``version``. The ballots enter the evidence chain with the close
(:func:`prachum.voting.polls.close_poll`).

Secret ballots are sealed while the poll is open and rewritten unlinkably at close
(:func:`unseal_and_shuffle`, ADR 0008 §3).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.domain.errors import DomainError
from prachum.domain.majority import tally, tally_choices
from prachum.meetings.models import MeetingStatus
from prachum.room import state as room_state
from prachum.voting import lock_objects, selectors
from prachum.voting.crypto import BallotBoxUnavailable, BallotUnreadable, keeper
from prachum.voting.error_codes import VotingError as E
from prachum.voting.models import (
    OpenBallot,
    PendingSecretBallot,
    Poll,
    PollKind,
    PollStatus,
    SecretBallot,
    VoteParticipation,
)


def choice_positions(
    keys: list[str], kind: str, max_choices: int, choice: Any
) -> list[int]:
    """The positions chosen, checked by the law engine; ``INVALID_CHOICE`` otherwise."""
    invalid = ServiceError(
        E.INVALID_CHOICE, _("That is not a valid choice for this vote."), field="choice"
    )
    try:
        if kind == PollKind.MOTION:
            if not isinstance(choice, str):
                raise invalid
            tally([choice])
            return [keys.index(choice)]
        if isinstance(choice, str) or not isinstance(choice, Sequence):
            raise invalid
        chosen = [str(c) for c in choice]
        tally_choices(keys, [chosen], max_choices=max_choices)
    except DomainError as exc:
        raise invalid from exc
    return sorted(keys.index(c) for c in chosen)


def already_voted() -> ServiceError:
    return ServiceError(
        E.ALREADY_VOTED,
        _("You have already voted in this vote; a ballot cannot be changed."),
    )


def seal(*, poll_id: Any, box_id: str, positions: list[int]) -> bytes:
    """A secret ballot sealed by the poll's ballot keeper (ADR 0008 §2), or
    ``BALLOT_BOX_UNAVAILABLE`` when this process does not hold the key (§6). Device,
    terminal and paper ballots all go through here."""
    try:
        return keeper.seal(poll_id=str(poll_id), box_id=box_id, positions=positions)
    except BallotBoxUnavailable:
        raise ServiceError(
            E.BALLOT_BOX_UNAVAILABLE,
            _(
                "The ballot box of this secret vote is not available on this server (it was restarted, or the vote was opened elsewhere). The chair must close this vote and open a new one."
            ),
        ) from None


def cast_ballot(*, voter: Any, poll: Poll, choice: Any) -> VoteParticipation:
    """Cast one ballot, exactly once (Decree s.9(2); APA s.82 one vote per member).

    ``choice`` is ``"yes"``/``"no"``/``"abstain"`` for a motion, else a list of option
    ids (empty for a blank ballot). The participation row and the ballot (open, or
    sealed) are written in one transaction; the unique constraint on participation
    refuses a second ballot (``ALREADY_VOTED``) and nothing changes. Refusals:
    ``POLL_NOT_OPEN``, ``NOT_ELIGIBLE``, ``INVALID_CHOICE``, ``ALREADY_VOTED``,
    ``BALLOT_BOX_UNAVAILABLE``.

    Evidence: the ballots enter the meeting's chain with the close, in one event
    (``poll.closed``: who voted and, for an open poll, each choice), not one event per
    ballot. Appending to the chain locks its head until commit, so per-ballot events
    would queue every ballot of the meeting behind one disk flush each (measured in
    bench/votes.py); for a secret poll they would also put each voter's time in the
    chain. Until the close the participation rows are the record.
    """
    try:
        with transaction.atomic():
            ctx = lock_objects.share_poll(poll.pk, voter=voter)
            if ctx is None:
                raise ServiceError(E.POLL_NOT_OPEN, _("This vote is not open."))
            if ctx.status != PollStatus.OPEN:
                raise ServiceError(E.POLL_NOT_OPEN, _("This vote is not open."))
            if ctx.meeting_status != MeetingStatus.OPEN:
                raise ServiceError(E.POLL_NOT_OPEN, _("The meeting is not open."))
            if not ctx.voter_eligible:
                raise PermissionDeniedError(
                    E.NOT_ELIGIBLE,
                    _(
                        "You may not vote in this vote: only voting members present when it opened, and not withdrawn from the item, may vote."
                    ),
                )
            if not ctx.voter_identified:
                raise PermissionDeniedError(
                    E.NOT_ELIGIBLE,
                    _("Your identity check for this meeting is no longer valid."),
                )
            keys = selectors.option_keys_of(poll_id=ctx.poll_id, kind=ctx.kind)
            positions = choice_positions(keys, ctx.kind, ctx.max_choices, choice)
            if ctx.voter_has_voted:
                raise already_voted()
            if ctx.is_secret:
                sealed = seal(
                    poll_id=ctx.poll_id, box_id=ctx.box_id, positions=positions
                )
            participation = VoteParticipation.objects.create(
                poll_id=ctx.poll_id, voter=voter
            )
            event: dict[str, Any] = {
                "type": "poll.progress",
                "poll": str(ctx.poll_id),
                # Counted under the share lock: ballots committing alongside may
                # make two events carry the same figure; clients keep the largest.
                "cast": ctx.cast_before + 1,
                "eligible": ctx.eligible_count,
            }
            if ctx.is_secret:
                PendingSecretBallot.objects.create(poll_id=ctx.poll_id, sealed=sealed)
            else:
                chosen = [keys[p] for p in positions]
                cast_at = timezone.now()
                OpenBallot.objects.create(
                    poll_id=ctx.poll_id, voter=voter, choice=chosen, cast_at=cast_at
                )
                event["ballot"] = {
                    "voter": str(voter.pk),
                    "choice": chosen,
                    "cast_at": cast_at.isoformat(),
                }
            publish_on_commit(room_state.room_group(ctx.meeting_id), event)
    except IntegrityError:
        if VoteParticipation.objects.filter(poll_id=poll.pk, voter=voter).exists():
            raise already_voted() from None
        raise
    return participation


# --- secret ballots at close -------------------------------------------------------------


_shuffler = secrets.SystemRandom()


class BallotsUnreadable(Exception):  # noqa: N818
    """The sealed ballots do not open or do not match who voted: void the poll
    (:func:`prachum.voting.polls.close_poll`, which also raises it for open ballots)."""


def unseal_and_shuffle(poll: Poll, keys: list[str], expected: int) -> list[list[str]]:
    """Decrypt the pending ballots, write them as ``SecretBallot`` rows in a random
    order, delete the pending rows (ADR 0008 §3). Returns the choices."""
    sealed = list(
        PendingSecretBallot.objects.filter(poll=poll).values_list("sealed", flat=True)
    )
    if len(sealed) != expected:
        raise BallotsUnreadable(
            f"{len(sealed)} sealed ballot(s) for {expected} voter(s)"
        )
    try:
        opened = keeper.unseal(poll_id=str(poll.pk), box_id=poll.box_id, sealed=sealed)
    except BallotUnreadable as exc:
        raise BallotsUnreadable("a sealed ballot failed authentication") from exc
    ballots = [[keys[p] for p in positions] for positions in opened]
    _shuffler.shuffle(ballots)
    SecretBallot.objects.bulk_create(
        [SecretBallot(poll=poll, choice=choice) for choice in ballots],
        batch_size=len(ballots) or None,
    )
    PendingSecretBallot.objects.filter(poll=poll).delete()
    return ballots
