"""Ballots from the meeting room (Decree s.6 and s.9(2); R26, R27): one tally, one
list of who may vote, exactly once per person, whatever the channel.

- *Show of hands* (open votes): the secretary records each in-room member's choice
  (:func:`record_hand_vote`), an ``OpenBallot`` with channel ``hands``.
- *Room ballot terminal* (secret votes): the secretary unlocks the terminal for one
  member (:func:`unlock_terminal`); the terminal page claims the unlock and gets a
  one-use token (:func:`claim_terminal`, stored as its SHA-256 only); the member casts
  (:func:`cast_at_terminal`) into the same sealed ballot box as a device ballot
  (ADR 0008), and the terminal locks again.
- *Paper ballots* (secret votes): :mod:`prachum.voting.paper_ballots`.

Every ballot writes a ``VoteParticipation`` with its channel: the unique constraint
on ``(poll, voter)`` refuses a second ballot by any channel.
Only members present in the room (``room_selectors.is_in_room``), eligible when the
poll opened, may vote by these channels.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance import selectors as attendance_selectors
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room.state import commit_room_change, lock_room
from prachum.voting import lock_objects, policies, selectors
from prachum.voting.ballots import already_voted, choice_positions, seal
from prachum.voting.error_codes import VotingError as E
from prachum.voting.events import VotingEvent
from prachum.voting.limits import TERMINAL_UNLOCK_SECONDS
from prachum.voting.models import (
    BallotChannel,
    EligibleVoter,
    OpenBallot,
    PendingSecretBallot,
    Poll,
    PollStatus,
    TerminalUnlock,
    VoteParticipation,
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def locked_open_poll(actor: Actor, poll: Poll) -> tuple[Any, Poll]:
    """Lock the room and the poll (room → poll → chain); the poll must be open."""
    room = lock_room(poll.meeting)
    poll = lock_objects.lock_poll(poll.pk)
    policies.require(
        policies.can_manage_polls(user=actor, meeting=room.meeting),
        CoreError.NOT_ALLOWED,
        _("Only the chair or the secretary may record votes from the room."),
    )
    if poll.status != PollStatus.OPEN:
        raise ServiceError(E.POLL_NOT_OPEN, _("This vote is not open."))
    if room.meeting.status != MeetingStatus.OPEN:
        raise ServiceError(E.POLL_NOT_OPEN, _("The meeting is not open."))
    return room, poll


def require_secret(poll: Poll, secret: bool) -> None:
    if poll.is_secret and not secret:
        raise ServiceError(
            E.WRONG_CHANNEL,
            _("A secret vote cannot be taken by a show of hands."),
        )
    if secret and not poll.is_secret:
        raise ServiceError(
            E.WRONG_CHANNEL,
            _(
                "The room ballot terminal and paper ballots are for secret votes; record an open vote by show of hands."
            ),
        )


def require_room_voter(poll: Poll, voter: Any) -> None:
    """Eligible when the poll opened, present in the room now, not voted yet."""
    if not EligibleVoter.objects.filter(poll=poll, voter=voter).exists():
        raise PermissionDeniedError(
            E.NOT_ELIGIBLE,
            _(
                "%(name)s may not vote in this vote: only voting members present when it opened, and not withdrawn from the item, may vote."
            )
            % {"name": voter.display_name},
            field="voter",
        )
    if (
        not attendance_selectors.room_presences(meeting_id=poll.meeting_id)
        .filter(user=voter)
        .exists()
    ):
        raise ServiceError(
            E.NOT_IN_ROOM,
            _("%(name)s is not signed in at the meeting room.")
            % {"name": voter.display_name},
            field="voter",
        )
    if VoteParticipation.objects.filter(poll=poll, voter=voter).exists():
        raise ServiceError(
            E.ALREADY_VOTED,
            _("%(name)s has already voted in this vote.")
            % {"name": voter.display_name},
            field="voter",
        )


def poll_patch(poll: Poll) -> dict[str, Any]:
    return {"poll": selectors.poll_dict(poll)}


# --- show of hands (open votes) -----------------------------------------------------


def record_hand_vote(
    *, actor: Actor, poll: Poll, voter: Any, choice: Any
) -> OpenBallot:
    """Record an in-room member's choice shown by hand in an open vote (R26).

    Refusals: ``POLL_NOT_OPEN``, ``WRONG_CHANNEL`` (a secret poll), ``NOT_ELIGIBLE``,
    ``NOT_IN_ROOM``, ``ALREADY_VOTED`` (by any channel), ``INVALID_CHOICE``.
    """
    try:
        with transaction.atomic():
            room, poll = locked_open_poll(actor, poll)
            require_secret(poll, False)
            require_room_voter(poll, voter)
            keys = selectors.option_keys(poll)
            positions = choice_positions(keys, poll.kind, poll.max_choices, choice)
            chosen = [keys[p] for p in positions]
            now = timezone.now()
            VoteParticipation.objects.create(
                poll=poll, voter=voter, channel=BallotChannel.HANDS
            )
            ballot = OpenBallot.objects.create(
                poll=poll,
                voter=voter,
                choice=chosen,
                cast_at=now,
                channel=BallotChannel.HANDS,
                recorded_by=actor,
            )
            commit_room_change(
                room,
                actor=actor,
                kind=VotingEvent.POLL_HAND_RECORDED,
                payload={
                    "poll": str(poll.pk),
                    "voter": str(voter.pk),
                    "choice": chosen,
                    "channel": BallotChannel.HANDS.value,
                    "recorded_by": str(actor.pk),
                    "cast_at": now.isoformat(),
                },
                patch=poll_patch(poll),
            )
    except IntegrityError:
        if VoteParticipation.objects.filter(poll_id=poll.pk, voter=voter).exists():
            raise already_voted() from None
        raise
    return ballot


# --- the room ballot terminal (secret votes) ------------------------------------------


def _cancel_active(poll: Poll) -> list[str]:
    """Lock the terminal: cancel the poll's unspent unlocks; their voters' ids."""
    rows = list(TerminalUnlock.objects.filter(poll=poll, used=False, cancelled=False))
    TerminalUnlock.objects.filter(pk__in=[r.pk for r in rows]).update(
        cancelled=True, token_hash=""
    )
    return sorted(str(r.voter_id) for r in rows)


def unlock_terminal(*, actor: Actor, poll: Poll, voter: Any) -> TerminalUnlock:
    """Unlock the room ballot terminal for one in-room member who has not voted, for
    ``TERMINAL_UNLOCK_SECONDS``. An earlier unspent unlock is cancelled (the terminal
    serves one person at a time). Refusals as :func:`record_hand_vote`."""
    with transaction.atomic():
        room, poll = locked_open_poll(actor, poll)
        require_secret(poll, True)
        require_room_voter(poll, voter)
        superseded = _cancel_active(poll)
        now = timezone.now()
        unlock = TerminalUnlock.objects.create(
            poll=poll,
            voter=voter,
            unlocked_by=actor,
            unlocked_at=now,
            expires_at=now + timedelta(seconds=TERMINAL_UNLOCK_SECONDS),
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.TERMINAL_UNLOCKED,
            payload={
                "poll": str(poll.pk),
                "unlock": str(unlock.pk),
                "voter": str(voter.pk),
                "unlocked_by": str(actor.pk),
                "expires_at": unlock.expires_at.isoformat(),
                "superseded": superseded,
            },
        )
    return unlock


def lock_terminal(*, actor: Actor, poll: Poll) -> list[str]:
    """Lock the terminal again without a ballot (the member changed their mind, the
    wrong person was unlocked). Returns whose unlocks were cancelled."""
    with transaction.atomic():
        room, poll = locked_open_poll(actor, poll)
        cancelled = _cancel_active(poll)
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.TERMINAL_LOCKED,
            payload={"poll": str(poll.pk), "cancelled": cancelled},
        )
    return cancelled


def claim_terminal(
    *, actor: Actor, meeting: Meeting
) -> tuple[TerminalUnlock, str] | None:
    """The terminal page takes the live poll's unlock and its one-use token.

    The token is made here and given once: only its SHA-256 is kept, and a second
    claim of the same unlock gets nothing (the secretary unlocks again). ``None`` when
    the terminal is locked. The token is a handle, not a change of the record: the
    unlock's evidence event already names the member.
    """
    policies.require(
        policies.can_manage_polls(user=actor, meeting=meeting),
        CoreError.NOT_ALLOWED,
        _("The room ballot terminal runs in the chair's or the secretary's session."),
    )
    with transaction.atomic():
        poll = selectors.live_poll(meeting=meeting)
        if poll is None or poll.status != PollStatus.OPEN or not poll.is_secret:
            return None
        unlock = (
            TerminalUnlock.objects.select_for_update()
            .filter(
                poll=poll,
                used=False,
                cancelled=False,
                token_hash="",
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if unlock is None:
            return None
        token = secrets.token_urlsafe(32)
        unlock.token_hash = _hash(token)
        unlock.save(update_fields=["token_hash"])
    return unlock, token


def _invalid_token() -> ServiceError:
    return ServiceError(
        E.TERMINAL_TOKEN_INVALID,
        _(
            "The terminal is locked (the unlock was used, expired or replaced). Ask the secretary to unlock it again."
        ),
    )


def cast_at_terminal(
    *, actor: Actor, poll: Poll, token: str, choice: Any
) -> VoteParticipation:
    """Cast the unlocked member's secret ballot at the room terminal, exactly once.

    The ballot is sealed into the poll's ballot box like a device ballot (ADR 0008):
    the participation row says who voted and by which channel, the sealed row what,
    and nothing joins them. The unlock is spent and the terminal locks again.
    Refusals: ``TERMINAL_TOKEN_INVALID`` and those of :func:`record_hand_vote`.
    """
    try:
        with transaction.atomic():
            room, poll = locked_open_poll(actor, poll)
            unlock = (
                TerminalUnlock.objects.select_for_update()
                .select_related("voter")
                .filter(
                    poll=poll,
                    token_hash=_hash(str(token or "")),
                    used=False,
                    cancelled=False,
                )
                .first()
            )
            if not token or unlock is None or unlock.expires_at <= timezone.now():
                raise _invalid_token()
            voter = unlock.voter
            require_secret(poll, True)
            require_room_voter(poll, voter)
            keys = selectors.option_keys(poll)
            positions = choice_positions(keys, poll.kind, poll.max_choices, choice)
            sealed = seal(poll_id=poll.pk, box_id=poll.box_id, positions=positions)
            participation = VoteParticipation.objects.create(
                poll=poll, voter=voter, channel=BallotChannel.TERMINAL
            )
            PendingSecretBallot.objects.create(poll=poll, sealed=sealed)
            unlock.used = True
            unlock.token_hash = ""
            unlock.save(update_fields=["used", "token_hash"])
            commit_room_change(
                room,
                actor=actor,
                kind=VotingEvent.TERMINAL_BALLOT_CAST,
                payload={
                    "poll": str(poll.pk),
                    "unlock": str(unlock.pk),
                    "voter": str(voter.pk),
                    "channel": BallotChannel.TERMINAL.value,
                },
                patch=poll_patch(poll),
            )
    except IntegrityError:
        raise already_voted() from None
    return participation
