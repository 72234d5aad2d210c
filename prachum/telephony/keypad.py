"""Voting by keypad (issue 17): on the chair's prompt a caller keys 1 (เห็นชอบ),
2 (ไม่เห็นชอบ) or 3 (งดออกเสียง) for a motion, or the number of an option.

The ballot goes through voting's own service (:func:`prachum.voting.ballots.
cast_ballot`): exactly once, only for an eligible voter, sealed and later shuffled
for a secret poll (ADR 0008). Nothing here stores the key pressed, its time or any
link from the call to the ballot.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from prachum.core.errors import ServiceError
from prachum.telephony.error_codes import TelephonyError
from prachum.telephony.models import SipCall
from prachum.voting.ballots import cast_ballot
from prachum.voting.models import Poll, PollKind, PollStatus, VoteParticipation
from prachum.voting.selectors import MOTION_CHOICES, live_poll, option_keys

#: Keys for a motion, in the order of ``MOTION_CHOICES`` (yes, no, abstain).
MOTION_KEYS = {"1": MOTION_CHOICES[0], "2": MOTION_CHOICES[1], "3": MOTION_CHOICES[2]}


def _identified(call: SipCall) -> SipCall:
    call.refresh_from_db(fields=["user", "meeting", "ended_at"])
    if call.user_id is None or call.meeting_id is None:
        raise ServiceError(
            TelephonyError.CALLER_NOT_IDENTIFIED,
            _("The caller has not been identified."),
        )
    if call.ended_at is not None:
        raise ServiceError(TelephonyError.CALL_ENDED, _("The call has ended."))
    return call


def open_poll_for(call: SipCall) -> Poll | None:
    """The meeting's open poll the caller has not voted in yet, or ``None``."""
    call.refresh_from_db(fields=["user", "meeting", "ended_at"])
    if call.user_id is None or call.meeting_id is None or call.ended_at is not None:
        return None
    assert call.meeting is not None
    poll = live_poll(meeting=call.meeting)
    if poll is None or poll.status != PollStatus.OPEN:
        return None
    if VoteParticipation.objects.filter(poll=poll, voter_id=call.user_id).exists():
        return None
    return poll


def choice_for_key(poll: Poll, digit: str) -> Any:
    """The choice a key stands for in ``poll``; ``INVALID_KEY`` otherwise."""
    if poll.kind == PollKind.MOTION:
        choice = MOTION_KEYS.get(digit)
        if choice is not None:
            return choice
    elif digit.isdigit() and digit != "0":
        keys = option_keys(poll)
        if int(digit) <= len(keys):
            return [keys[int(digit) - 1]]
    raise ServiceError(
        TelephonyError.INVALID_KEY, _("That key is not a choice in this vote.")
    )


def cast_keypad_ballot(call: SipCall, poll: Poll, digit: str) -> VoteParticipation:
    """Cast the caller's ballot for the key pressed (voting's refusals apply:
    ``POLL_NOT_OPEN``, ``NOT_ELIGIBLE``, ``ALREADY_VOTED``, ...)."""
    call = _identified(call)
    if poll.meeting_id != call.meeting_id:
        raise ServiceError(
            TelephonyError.INVALID_KEY, _("That key is not a choice in this vote.")
        )
    return cast_ballot(voter=call.user, poll=poll, choice=choice_for_key(poll, digit))
