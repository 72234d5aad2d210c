"""The life of a poll: created, opened, closed (counted and decided), decided by the
chair's casting vote, or voided when its ballots cannot be read.

Each change locks the meeting's room and goes through the room's commit step, so it
bumps the room ``version``, appends its evidence event and publishes a versioned event
with a ``patch`` (ARCHITECTURE §4.4). Ballots do not (:mod:`prachum.voting.ballots`):
they enter the evidence chain with the close.

Secret ballots are sealed while the poll is open and rewritten unlinkably at close
(docs/adr/0008).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import CoreError, ServiceError
from prachum.core.text import clean_text
from prachum.domain.elections import decide_choices
from prachum.domain.errors import DomainError
from prachum.domain.majority import decide, tally, tally_choices
from prachum.meetings.models import AgendaItem, MeetingStatus
from prachum.room import quorum as room_quorum

# Votes change the room's versioned state through the room's own lock and commit step.
from prachum.room.state import commit_room_change, lock_room
from prachum.voting import lock_objects, policies, room_selectors, selectors
from prachum.voting.ballots import BallotsUnreadable, unseal_and_shuffle
from prachum.voting.crypto import keeper
from prachum.voting.error_codes import VotingError as E
from prachum.voting.events import VotingEvent
from prachum.voting.limits import MAX_OPTIONS, QUESTION_MAX, TEXT_MAX
from prachum.voting.models import (
    CastingVote,
    EligibleVoter,
    OpenBallot,
    PendingSecretBallot,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    TerminalUnlock,
    VoteParticipation,
)


def _require_manager(actor: Actor, meeting: Any) -> None:
    policies.require(
        policies.can_manage_polls(user=actor, meeting=meeting),
        CoreError.NOT_ALLOWED,
        _("Only the chair or the secretary may manage votes."),
    )


def _poll_patch(poll: Poll) -> dict[str, Any]:
    return {"poll": selectors.poll_dict(poll)}


# --- creating and opening ------------------------------------------------------------


def create_poll(
    *,
    actor: Actor,
    item: AgendaItem,
    kind: str,
    question: str,
    options: Sequence[str] = (),
    max_choices: int = 1,
    secret: bool | None = None,
) -> Poll:
    """A draft poll on an agenda item. A secret item's polls are secret unless
    ``secret=False`` is given (Decree s.9(2); R26, R27, R43)."""
    question = clean_text(question, field="question", max_length=QUESTION_MAX)
    labels = [clean_text(o, field="options", max_length=300) for o in options]
    if kind not in PollKind.values:
        raise ServiceError(E.POLL_INVALID, _("Unknown kind of vote."), field="kind")
    if kind == PollKind.MOTION:
        if labels or max_choices != 1:
            raise ServiceError(
                E.POLL_INVALID,
                _("A motion is answered yes, no or abstain; it has no options."),
                field="options",
            )
    else:
        if not 2 <= len(labels) <= MAX_OPTIONS or len(set(labels)) != len(labels):
            raise ServiceError(
                E.POLL_INVALID,
                _("Give between 2 and %(n)d different options.") % {"n": MAX_OPTIONS},
                field="options",
            )
        if kind == PollKind.ONE_OF_N and max_choices != 1:
            raise ServiceError(
                E.POLL_INVALID, _("One option may be chosen."), field="max_choices"
            )
        if not 1 <= max_choices <= len(labels):
            raise ServiceError(
                E.POLL_INVALID,
                _("The number of choices must be between 1 and the number of options."),
                field="max_choices",
            )
    with transaction.atomic():
        room = lock_room(item.meeting)
        meeting = room.meeting
        _require_manager(actor, meeting)
        if item.meeting_id != meeting.pk or item.is_removed:
            raise ServiceError(
                CoreError.BAD_ITEM,
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        if meeting.status in {MeetingStatus.CLOSED, MeetingStatus.CANCELLED}:
            raise ServiceError(E.MEETING_NOT_OPEN, _("The meeting is over."))
        poll = Poll.objects.create(
            meeting=meeting,
            item=item,
            kind=kind,
            question=question,
            is_secret=item.is_secret if secret is None else bool(secret),
            max_choices=max_choices,
            created_by=actor,
        )
        PollOption.objects.bulk_create(
            PollOption(poll=poll, position=i, label=label)
            for i, label in enumerate(labels)
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.POLL_CREATED,
            payload={
                "poll": str(poll.pk),
                "item": str(item.pk),
                "kind": kind,
                "question": question,
                "is_secret": poll.is_secret,
                "max_choices": max_choices,
                "options": [
                    {"id": str(o.pk), "label": o.label} for o in poll.options.all()
                ],
            },
            patch=_poll_patch(poll),
        )
    return poll


def open_poll(*, actor: Actor, poll: Poll, without_quorum_reason: str = "") -> Poll:
    """Open a poll on the current item and freeze who may vote (R23, R30).

    Eligible: the voting members identified AND connected at this moment, minus those
    recused on the item (``selectors.item_quorum(...).counted_ids``). Someone who joins
    later cannot vote in this poll; someone eligible who drops out may still vote until
    the close, unless removed by the chair. Without a quorum the poll opens only with
    the chair's recorded reason (``QUORUM_NOT_MET``).
    """
    reason = clean_text(
        without_quorum_reason, field="reason", required=False, max_length=TEXT_MAX
    )
    with transaction.atomic():
        room = lock_room(poll.meeting)
        poll = lock_objects.lock_poll(poll.pk)
        meeting = room.meeting
        _require_manager(actor, meeting)
        if poll.status != PollStatus.DRAFT:
            raise ServiceError(
                E.POLL_NOT_DRAFT, _("This vote has already been opened.")
            )
        if meeting.status != MeetingStatus.OPEN:
            raise ServiceError(E.MEETING_NOT_OPEN, _("The meeting is not open."))
        if room.current_item_id != poll.item_id:
            raise ServiceError(
                E.ITEM_NOT_CURRENT,
                _("Move the meeting to this vote's agenda item first."),
            )
        if selectors.live_poll(meeting=meeting) is not None:
            raise ServiceError(
                E.ANOTHER_POLL_LIVE, _("Close the vote in progress first.")
            )
        status = selectors.item_quorum(meeting=meeting, item=poll.item)
        voting_rule = selectors.voting_rule_for(meeting.committee)
        if voting_rule.quorum_required and not status.met and not reason:
            raise ServiceError(
                CoreError.QUORUM_NOT_MET,
                _(
                    "There is no quorum for this item (%(counted)d of %(required)d). The chair may open the vote only with a recorded reason."
                )
                % {"counted": status.counted, "required": status.required},
                field="reason",
            )
        if not status.counted_ids:
            raise ServiceError(
                E.NO_ELIGIBLE_VOTERS, _("No voting member is present to vote.")
            )
        rule = selectors.majority_rule_for(meeting.committee)
        EligibleVoter.objects.bulk_create(
            EligibleVoter(poll=poll, voter_id=voter_id)
            for voter_id in status.counted_ids
        )
        if poll.is_secret:
            poll.box_id = keeper.open_box(
                poll_id=str(poll.pk), width=len(selectors.option_keys(poll))
            )
        quorum = room_quorum.quorum_dict(status)
        poll.status = PollStatus.OPEN
        poll.opened_by = actor
        poll.opened_at = timezone.now()
        poll.rule = selectors.rule_dict(rule)
        poll.base_members = status.eligible
        poll.eligible_count = len(status.counted_ids)
        poll.quorum_at_open = quorum
        poll.open_without_quorum_reason = reason if not status.met else ""
        try:
            poll.save()
        except IntegrityError:  # another poll went live between the check and here
            keeper.forget(poll_id=str(poll.pk))
            raise
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.POLL_OPENED,
            payload={
                "poll": str(poll.pk),
                "item": str(poll.item_id),
                "is_secret": poll.is_secret,
                "eligible": list(status.counted_ids),
                "base_members": status.eligible,
                "quorum": quorum,
                "without_quorum_reason": poll.open_without_quorum_reason,
                "rule": poll.rule,
            },
            patch=_poll_patch(poll),
        )
    return poll


# --- closing and deciding ----------------------------------------------------------------


class _BallotBoxLost(Exception):  # noqa: N818
    """This process holds no key for the poll (restarted): void the poll."""


def _decide(poll: Poll, ballots: list[list[str]], keys: list[str]) -> None:
    """Count and decide with the rule frozen at opening (APA s.82; R29)."""
    assert poll.rule is not None
    assert poll.base_members is not None
    rule = selectors.rule_from_dict(poll.rule)
    poll.winners, poll.tied, poll.carried = [], [], None
    if poll.kind == PollKind.MOTION:
        counted = tally(b[0] for b in ballots)
        poll.tally = {"yes": counted.yes, "no": counted.no, "abstain": counted.abstain}
        decision = decide(tally=counted, rule=rule, members=poll.base_members)
        poll.carried = decision.carried
        if decision.needs_casting_vote:
            poll.tied = ["yes", "no"]
        code, clause, detail = decision.code, decision.clause, decision.detail
        needs_casting_vote = decision.needs_casting_vote
    else:
        choices = tally_choices(keys, ballots, max_choices=poll.max_choices)
        poll.tally = {
            "counts": dict(choices.counts),
            "ballots": choices.ballots,
            "blank": choices.blank,
        }
        election = decide_choices(
            counts=choices.counts, seats=poll.max_choices, rule=rule
        )
        poll.winners = list(election.winners)
        poll.tied = list(election.tied)
        code, clause, detail = election.code, election.clause, election.detail
        needs_casting_vote = election.needs_casting_vote
    poll.outcome, poll.outcome_clause, poll.outcome_detail = code, clause, detail
    if needs_casting_vote:
        poll.status = PollStatus.AWAITING_CASTING_VOTE
    else:
        poll.status = PollStatus.CLOSED
        poll.decided_at = timezone.now()


def close_poll(*, actor: Actor, poll: Poll, without_quorum_reason: str = "") -> Poll:
    """Close the poll: freeze the quorum, count, decide (R23, R27, R29).

    A tie that the chair's casting vote decides leaves the poll
    ``awaiting_casting_vote``; :func:`cast_deciding_vote` finishes it. A secret poll
    whose ballot box was lost (the process restarted) is closed as ``voided`` with
    ``BALLOT_BOX_LOST`` and must be held again (ADR 0008 §6).
    """
    reason = clean_text(
        without_quorum_reason, field="reason", required=False, max_length=TEXT_MAX
    )
    with transaction.atomic():
        room = lock_room(poll.meeting)
        poll = lock_objects.lock_poll(poll.pk)
        meeting = room.meeting
        _require_manager(actor, meeting)
        if poll.status != PollStatus.OPEN:
            raise ServiceError(E.POLL_NOT_OPEN, _("This vote is not open."))
        status = selectors.item_quorum(meeting=meeting, item=poll.item)
        voting_rule = selectors.voting_rule_for(meeting.committee)
        if voting_rule.quorum_required and not status.met and not reason:
            raise ServiceError(
                CoreError.QUORUM_NOT_MET,
                _(
                    "There is no quorum for this item now (%(counted)d of %(required)d). The chair may close the vote only with a recorded reason."
                )
                % {"counted": status.counted, "required": status.required},
                field="reason",
            )
        now = timezone.now()
        poll.closed_by = actor
        poll.closed_at = now
        poll.quorum_at_close = room_quorum.quorum_dict(status)
        poll.close_without_quorum_reason = reason if not status.met else ""
        voters = sorted(
            str(v)
            for v in VoteParticipation.objects.filter(poll=poll).values_list(
                "voter_id", flat=True
            )
        )
        poll.ballots_cast = len(voters)
        by_channel = room_selectors.voters_by_channel(poll)
        poll.channels = {c: len(v) for c, v in by_channel.items()}
        TerminalUnlock.objects.filter(poll=poll, used=False, cancelled=False).update(
            cancelled=True, token_hash=""
        )
        keys = selectors.option_keys(poll)
        kind = VotingEvent.POLL_CLOSED
        payload: dict[str, Any] = {"voters": voters, "voters_by_channel": by_channel}
        try:
            if poll.is_secret:
                if not keeper.holds(poll_id=str(poll.pk), box_id=poll.box_id):
                    raise _BallotBoxLost
                ballots = unseal_and_shuffle(poll, keys, poll.ballots_cast)
            else:
                rows = list(
                    OpenBallot.objects.filter(poll=poll).order_by("voter_id", "pk")
                )
                payload["ballots"] = [
                    {
                        "voter": str(b.voter_id),
                        "choice": b.choice,
                        "cast_at": b.cast_at.isoformat(),
                        "channel": b.channel,
                        "recorded_by": (
                            str(b.recorded_by_id) if b.recorded_by_id else None
                        ),
                    }
                    for b in rows
                ]
                ballots = [b.choice for b in rows]
                if len(ballots) != poll.ballots_cast:
                    raise BallotsUnreadable(
                        f"{len(ballots)} ballot(s) for {poll.ballots_cast} voter(s)"
                    )
            _decide(poll, ballots, keys)
        except (_BallotBoxLost, BallotsUnreadable) as exc:
            lost = PendingSecretBallot.objects.filter(poll=poll).delete()[0]
            poll.status = PollStatus.VOIDED
            poll.tally, poll.carried, poll.winners, poll.tied = None, None, [], []
            if isinstance(exc, _BallotBoxLost):
                poll.outcome = "BALLOT_BOX_LOST"
                poll.outcome_detail = f"{lost} sealed ballot(s) could not be opened"
            else:
                poll.outcome = "BALLOTS_UNREADABLE"
                poll.outcome_detail = str(exc)
            poll.decided_at = now
            payload.pop("ballots", None)
            kind = VotingEvent.POLL_VOIDED
        poll.save()
        commit_room_change(
            room,
            actor=actor,
            kind=kind,
            payload={
                "poll": str(poll.pk),
                "item": str(poll.item_id),
                "is_secret": poll.is_secret,
                "status": str(poll.status),
                "quorum": poll.quorum_at_close,
                "without_quorum_reason": poll.close_without_quorum_reason,
                "eligible": poll.eligible_count,
                "ballots_cast": poll.ballots_cast,
                **payload,
                "result": selectors.result_dict(poll),
            },
            patch=_poll_patch(poll),
        )
        if poll.is_secret:
            poll_id = str(poll.pk)
            transaction.on_commit(lambda: keeper.forget(poll_id=poll_id))
    return poll


def cast_deciding_vote(*, actor: Actor, poll: Poll, choice: Any) -> Poll:
    """The chair's casting vote on a tie, recorded as its own step (APA s.82; R29).

    For a motion ``choice`` is ``"yes"`` or ``"no"``; for an election, the list of tied
    option ids that fill the open seats."""
    with transaction.atomic():
        room = lock_room(poll.meeting)
        poll = lock_objects.lock_poll(poll.pk)
        policies.require(
            policies.can_cast_deciding_vote(user=actor, meeting=room.meeting),
            CoreError.CHAIR_ONLY,
            _("Only the chair has the casting vote."),
        )
        if poll.status != PollStatus.AWAITING_CASTING_VOTE:
            raise ServiceError(
                E.NO_CASTING_VOTE_NEEDED, _("This vote does not need a casting vote.")
            )
        assert poll.rule is not None
        assert poll.base_members is not None
        rule = selectors.rule_from_dict(poll.rule)
        invalid = ServiceError(
            E.INVALID_CHOICE, _("That is not a valid casting vote."), field="choice"
        )
        try:
            if poll.kind == PollKind.MOTION:
                if choice not in ("yes", "no"):
                    raise invalid
                assert poll.tally is not None
                decision = decide(
                    tally=tally(
                        ["yes"] * poll.tally["yes"]
                        + ["no"] * poll.tally["no"]
                        + ["abstain"] * poll.tally["abstain"]
                    ),
                    rule=rule,
                    members=poll.base_members,
                    casting_vote=choice,
                )
                recorded: list[str] = [choice]
                poll.carried = decision.carried
                code, detail = decision.code, decision.detail
            else:
                if isinstance(choice, str) or not isinstance(choice, Sequence):
                    raise invalid
                recorded = [str(c) for c in choice]
                assert poll.tally is not None
                counts = {
                    k: poll.tally["counts"][k] for k in selectors.option_keys(poll)
                }
                election = decide_choices(
                    counts=counts, seats=poll.max_choices, rule=rule, casting=recorded
                )
                poll.winners = list(election.winners)
                code, detail = election.code, election.detail
        except DomainError as exc:
            raise invalid from exc
        now = timezone.now()
        CastingVote.objects.create(poll=poll, chair=actor, choice=recorded, at=now)
        poll.status = PollStatus.CLOSED
        poll.outcome = code
        poll.outcome_detail = detail
        poll.decided_at = now
        poll.save()
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.POLL_CASTING_VOTE,
            payload={
                "poll": str(poll.pk),
                "chair": str(actor.pk),
                "choice": recorded,
                "result": selectors.result_dict(poll),
            },
            patch=_poll_patch(poll),
        )
    return poll
