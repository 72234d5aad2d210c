"""Reading the room's ballots: who is in the room and may still vote, the terminal's
state, and the paper batches (Decree s.6, s.9(2); R26, R27).

Presence in the room is the attendance app's: an open ``Connection`` with mode
``in_room`` on the room's own channel (``ROOM_CHANNEL``), written when the secretary
signs a person in at the room. Voting reads those rows; it does not write them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from prachum.attendance import selectors as attendance_selectors
from prachum.committees.models import Membership
from prachum.voting.models import (
    BallotChannel,
    EligibleVoter,
    PaperBallotBatch,
    Poll,
    PollKind,
    PollStatus,
    TerminalUnlock,
    VoteParticipation,
)


def voted_ids(poll: Poll) -> set[str]:
    return {
        str(v)
        for v in VoteParticipation.objects.filter(poll=poll).values_list(
            "voter_id", flat=True
        )
    }


def room_voters_waiting(poll: Poll) -> list[str]:
    """Eligible voters of ``poll`` present in the room who have not voted, sorted."""
    eligible = {
        str(v)
        for v in EligibleVoter.objects.filter(poll=poll).values_list(
            "voter_id", flat=True
        )
    }
    return sorted(
        (eligible & attendance_selectors.in_room_ids(meeting_id=poll.meeting_id))
        - voted_ids(poll)
    )


def active_unlock(poll: Poll) -> TerminalUnlock | None:
    """The terminal's unspent, unexpired unlock for ``poll``, if any."""
    return (
        TerminalUnlock.objects.filter(
            poll=poll, used=False, cancelled=False, expires_at__gt=timezone.now()
        )
        .select_related("voter")
        .first()
    )


def _names(user_ids: list[str]) -> dict[str, str]:
    rows = Membership.objects.filter(user_id__in=user_ids).select_related("user")
    return {str(m.user_id): m.user.display_name for m in rows}


def channel_counts(poll: Poll) -> dict[str, int]:
    """How many ballots came by each channel (R26, R27)."""
    counts = dict.fromkeys(BallotChannel.values, 0)
    for channel in VoteParticipation.objects.filter(poll=poll).values_list(
        "channel", flat=True
    ):
        counts[channel] += 1
    return counts


def voters_by_channel(poll: Poll) -> dict[str, list[str]]:
    """Who voted by which channel (never what they chose), each list sorted."""
    out: dict[str, list[str]] = {c: [] for c in BallotChannel.values}
    for voter, channel in VoteParticipation.objects.filter(poll=poll).values_list(
        "voter_id", "channel"
    ):
        out[channel].append(str(voter))
    return {c: sorted(v) for c, v in out.items()}


def paper_batches(poll: Poll) -> list[dict[str, Any]]:
    return [
        {
            "id": str(b.pk),
            "ballots": b.ballots,
            "tellers": [str(b.teller_1_id), str(b.teller_2_id)],
            "voters": list(b.voters),
            "recorded_by": str(b.recorded_by_id),
            "at": b.at.isoformat(),
        }
        for b in PaperBallotBatch.objects.filter(poll=poll).order_by("at", "pk")
    ]


def room_panel(poll: Poll) -> dict[str, Any]:
    """What the secretary's console shows for the room's ballots on a live poll:
    who in the room may still vote, the terminal's state, ballots per channel."""
    waiting = room_voters_waiting(poll) if poll.status == PollStatus.OPEN else []
    names = _names(waiting)
    unlock = active_unlock(poll) if poll.is_secret else None
    return {
        "poll": str(poll.pk),
        "is_secret": poll.is_secret,
        "status": poll.status,
        "waiting": [{"id": v, "name": names.get(v, "")} for v in waiting],
        "terminal": (
            {
                "voter": str(unlock.voter_id),
                "name": unlock.voter.display_name,
                "expires_at": unlock.expires_at.isoformat(),
                "claimed": bool(unlock.token_hash),
            }
            if unlock is not None
            else None
        ),
        "channels": channel_counts(poll),
        "paper_batches": paper_batches(poll) if poll.is_secret else [],
    }


def ballot_form(poll: Poll) -> dict[str, Any]:
    """The question and choices only: what the terminal shows a member. Nothing of
    earlier ballots, not even how many have been cast."""
    return {
        "poll": str(poll.pk),
        "kind": poll.kind,
        "question": poll.question,
        "max_choices": poll.max_choices,
        "options": (
            []
            if poll.kind == PollKind.MOTION
            else [
                {"id": str(o.pk), "label": o.label}
                for o in poll.options.order_by("position")
            ]
        ),
    }
