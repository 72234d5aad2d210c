"""Challenges (คัดค้าน) of a member on an agenda item, and their effect (APA ss.13-17;
R30, R75, R76; the rules in :mod:`prachum.domain.challenges`).

A written challenge states the facts and a legal ground; it is addressed to the chair
(s.13) or to the member (s.16). While it is pending the member is out of the item's
base (s.15 para 2; ``selectors.recused_ids``). The chair puts it to the meeting as a
step of the item and the tally is recorded (optionally citing a closed poll on the
item): upheld, a challenged ``Recusal`` keeps the member off the item; rejected, they
are back. Resolutions taken before stay valid; the chair may flag one for redo (s.17).

Each change locks the room and goes through its commit step (evidence + patch).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees.models import Membership
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, ServiceError
from prachum.core.text import clean_text
from prachum.domain.challenges import check_challenge
from prachum.domain.challenges import decide_challenge as decide_by_rule
from prachum.domain.errors import DomainError
from prachum.meetings.models import MEETING_OVER, AgendaItem
from prachum.room.state import ROOM_OPEN, commit_room_change, lock_room
from prachum.voting import policies, selectors
from prachum.voting.error_codes import VotingError as E
from prachum.voting.events import VotingEvent
from prachum.voting.item_record import item_record_patch, require_no_live_vote
from prachum.voting.limits import TEXT_MAX
from prachum.voting.models import (
    Challenge,
    ChallengeOutcome,
    Poll,
    PollStatus,
    Recusal,
    RecusalKind,
    Resolution,
)

NAME_MAX = 300


def file_challenge(
    *,
    actor: Actor,
    item: AgendaItem,
    member: Any,
    ground: str,
    facts: str,
    challenger_name: str = "",
) -> Challenge:
    """Record a written challenge of ``member`` on ``item``. Anyone on the roster files
    their own; the chair or the secretariat records one handed in by another party
    (named in ``challenger_name``). Refused without a ground or facts (R75)."""
    facts = clean_text(facts, field="facts", required=False, max_length=TEXT_MAX)
    name = clean_text(
        challenger_name, field="challenger_name", required=False, max_length=NAME_MAX
    )
    try:
        addressee = check_challenge(ground=ground, facts=facts)
    except DomainError as exc:
        field = "facts" if exc.code == "CHALLENGE_FACTS_MISSING" else "ground"
        raise ServiceError(
            E.CHALLENGE_INVALID,
            _(
                "A challenge must state the facts and a legal ground (APA s.13 or s.16)."
            ),
            field=field,
        ) from None
    with transaction.atomic():
        room = lock_room(item.meeting)
        meeting = room.meeting
        keeper = policies.can_record_for_item(user=actor, meeting=meeting)
        policies.require(
            keeper or policies.can_view_polls(user=actor, meeting=meeting),
            CoreError.NOT_ALLOWED,
            _("Only someone on the committee's roster may file a challenge."),
        )
        if not keeper or not name:
            name = actor.display_name  # a member files in their own name
        if item.is_removed or item.meeting_id != meeting.pk:
            raise ServiceError(
                CoreError.BAD_ITEM,
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        if meeting.status in MEETING_OVER:
            raise ServiceError(E.MEETING_NOT_OPEN, _("The meeting is over."))
        membership = Membership.objects.filter(
            committee=meeting.committee, user=member
        ).first()
        if membership is None or not membership.is_voting:
            raise ServiceError(
                CoreError.NOT_A_MEMBER,
                _("That person is not a voting member."),
                field="member",
            )
        require_no_live_vote(
            item,
            _("A vote on this item is in progress; record the challenge after it."),
        )
        if Recusal.objects.filter(item=item, member=member).exists():
            raise ServiceError(
                E.ALREADY_RECUSED, _("That member is already withdrawn from this item.")
            )
        if Challenge.objects.filter(
            item=item, member=member, outcome=ChallengeOutcome.PENDING
        ).exists():
            raise ServiceError(
                E.CHALLENGE_PENDING,
                _("A challenge of that member on this item is awaiting decision."),
            )
        challenge = Challenge.objects.create(
            item=item,
            member=member,
            challenger_name=name,
            ground=ground,
            facts=facts,
            addressed_to=addressee,
            filed_by=actor,
            filed_at=timezone.now(),
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_CHALLENGE_FILED,
            payload={
                "challenge": str(challenge.pk),
                "item": str(item.pk),
                "member": str(member.pk),
                "challenger": name,
                "ground": ground,
                "facts": facts,
                "addressed_to": addressee,
            },
            patch=item_record_patch(item),
        )
    return challenge


def decide_challenge(
    *,
    actor: Actor,
    challenge: Challenge,
    votes_continue: int,
    votes_remove: int,
    abstentions: int = 0,
    poll: Poll | None = None,
) -> Challenge:
    """Record the meeting's decision on a challenge from the tally on "the member may
    go on" (APA s.15 paras 1-3): upheld unless two thirds of the unchallenged members
    let them continue. Upheld: a challenged recusal takes them off the item."""
    with transaction.atomic():
        room = lock_room(challenge.item.meeting)
        meeting = room.meeting
        policies.require(
            policies.can_record_for_item(user=actor, meeting=meeting),
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may record this."),
        )
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        item = challenge.item
        if challenge.outcome != ChallengeOutcome.PENDING:
            raise ServiceError(
                E.CHALLENGE_DECIDED, _("This challenge has already been decided.")
            )
        if meeting.status not in ROOM_OPEN:
            raise ServiceError(
                E.MEETING_NOT_OPEN,
                _("A challenge is decided by the meeting while it is in session."),
            )
        if poll is not None:
            poll = Poll.objects.get(pk=poll.pk)  # its status now, not the caller's copy
        if poll is not None and (
            poll.item_id != item.pk or poll.status != PollStatus.CLOSED
        ):
            raise ServiceError(
                E.POLL_NOT_CLOSED,
                _("The decision may cite only a closed vote on the same item."),
                field="poll",
            )
        base = selectors.item_quorum(meeting=meeting, item=item).eligible
        try:
            decision = decide_by_rule(
                unchallenged=base,
                votes_continue=votes_continue,
                votes_remove=votes_remove,
                abstentions=abstentions,
            )
        except DomainError:
            raise ServiceError(
                E.CHALLENGE_TALLY_INVALID,
                _(
                    "The votes cannot be negative or more than the %(n)d members not challenged."
                )
                % {"n": base},
                field="votes_continue",
            ) from None
        now = timezone.now()
        if decision.upheld:
            require_no_live_vote(
                item,
                _("A vote on this item is in progress; record the challenge after it."),
            )
            challenge.recusal = Recusal.objects.create(
                item=item,
                member=challenge.member,
                kind=RecusalKind.CHALLENGED,
                ground=challenge.ground,
                detail=challenge.facts,
                recorded_by=actor,
                at=now,
            )
        challenge.outcome = (
            ChallengeOutcome.UPHELD if decision.upheld else ChallengeOutcome.REJECTED
        )
        challenge.votes_continue = votes_continue
        challenge.votes_remove = votes_remove
        challenge.abstentions = abstentions
        challenge.poll = poll
        challenge.decided_by = actor
        challenge.decided_at = now
        challenge.save()
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_CHALLENGE_DECIDED,
            payload={
                "challenge": str(challenge.pk),
                "item": str(item.pk),
                "member": str(challenge.member_id),
                "outcome": challenge.outcome,
                "tally": [votes_continue, votes_remove, abstentions],
                "unchallenged": base,
                "required_to_continue": decision.required_to_continue,
                "poll": str(poll.pk) if poll else None,
                "recusal": str(challenge.recusal_id) if challenge.recusal_id else None,
                "reason": decision.reason.code,
                "clause": decision.reason.clause,
            },
            patch=item_record_patch(item),
        )
    return challenge


def flag_redo(
    *, actor: Actor, resolution: Resolution, requested: bool = True, reason: str = ""
) -> Resolution:
    """The chair flags (or unflags) an earlier resolution for the body to redo after a
    member's suspension; the resolution stays valid meanwhile (APA s.17; R76)."""
    reason = clean_text(reason, field="reason", required=False, max_length=TEXT_MAX)
    with transaction.atomic():
        room = lock_room(resolution.item.meeting)
        policies.require(
            policies.can_flag_redo(user=actor, meeting=room.meeting),
            CoreError.CHAIR_ONLY,
            _("Only the chair may ask for a resolution to be redone."),
        )
        resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
        resolution.redo_requested = requested
        resolution.save(update_fields=["redo_requested"])
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_RESOLUTION_REDO_FLAGGED,
            payload={
                "resolution": str(resolution.pk),
                "item": str(resolution.item_id),
                "redo_requested": requested,
                "reason": reason,
            },
            patch=item_record_patch(resolution.item),
        )
    return resolution
