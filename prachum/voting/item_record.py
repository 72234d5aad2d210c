"""The record of an agenda item: recusals, resolutions and dissents.

Each change locks the meeting's room and goes through the room's commit step, so it
bumps the room ``version``, appends its evidence event and publishes a versioned event
with a ``patch`` (ARCHITECTURE §4.4).
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
from prachum.meetings.models import AgendaItem, MeetingStatus

# Votes change the room's versioned state through the room's own lock and commit step.
from prachum.room.state import ROOM_OPEN, commit_room_change, lock_room
from prachum.voting import dissents, policies
from prachum.voting.error_codes import VotingError as E
from prachum.voting.events import VotingEvent
from prachum.voting.limits import TEXT_MAX
from prachum.voting.models import (
    Dissent,
    Poll,
    PollStatus,
    Recusal,
    RecusalGround,
    RecusalKind,
    Resolution,
)

LIVE = (PollStatus.OPEN, PollStatus.AWAITING_CASTING_VOTE)


def item_record_patch(item: AgendaItem) -> dict[str, Any]:
    """The room patch after a change to an item's record: clients refetch it."""
    return {"item_record": {"item": str(item.pk)}}


def require_no_live_vote(item: AgendaItem, message: str) -> None:
    """Withdrawals change who may vote: not while a vote on the item is live."""
    if Poll.objects.filter(item=item, status__in=LIVE).exists():
        raise ServiceError(CoreError.POLL_IN_PROGRESS, message)


def _voting_member(meeting: Any, member: Any) -> Membership:
    membership = Membership.objects.filter(
        committee=meeting.committee, user=member
    ).first()
    if membership is None or not membership.is_voting:
        raise ServiceError(
            CoreError.NOT_A_MEMBER,
            _("That person is not a voting member."),
            field="member",
        )
    return membership


def _item_in_meeting(item: AgendaItem) -> None:
    if item.is_removed:
        raise ServiceError(
            CoreError.BAD_ITEM,
            _("That item is not on this meeting's agenda."),
            field="item",
        )


def record_recusal(
    *,
    actor: Actor,
    item: AgendaItem,
    member: Any,
    ground: str,
    kind: str = RecusalKind.SELF_DECLARED,
    detail: str = "",
) -> Recusal:
    """Withdraw a member from an item (APA ss.13-16; R30): they may not vote on it and
    leave its quorum and majority base. Refused while a vote on the item is live."""
    detail = clean_text(detail, field="detail", required=False, max_length=TEXT_MAX)
    if ground not in RecusalGround.values:
        raise ServiceError(E.INVALID_GROUND, _("Choose the ground."), field="ground")
    if kind not in RecusalKind.values:
        raise ServiceError(E.INVALID_GROUND, _("Choose how."), field="kind")
    with transaction.atomic():
        room = lock_room(item.meeting)
        policies.require(
            policies.can_record_for_item(user=actor, meeting=room.meeting),
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may record this."),
        )
        _item_in_meeting(item)
        _voting_member(room.meeting, member)
        require_no_live_vote(
            item,
            _("A vote on this item is in progress; record the withdrawal after it."),
        )
        if Recusal.objects.filter(item=item, member=member).exists():
            raise ServiceError(
                E.ALREADY_RECUSED, _("That member is already withdrawn from this item.")
            )
        recusal = Recusal.objects.create(
            item=item,
            member=member,
            kind=kind,
            ground=ground,
            detail=detail,
            recorded_by=actor,
            at=timezone.now(),
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_RECUSAL_RECORDED,
            payload={
                "recusal": str(recusal.pk),
                "item": str(item.pk),
                "member": str(member.pk),
                "kind": kind,
                "ground": ground,
                "detail": detail,
            },
            patch=item_record_patch(item),
        )
    return recusal


def record_resolution(
    *, actor: Actor, item: AgendaItem, text: str, poll: Poll | None = None
) -> Resolution:
    """Record the meeting's resolution on an item (มติที่ประชุม). A new one supersedes
    the earlier, which stays in the record."""
    text = clean_text(text, field="text", max_length=TEXT_MAX)
    with transaction.atomic():
        room = lock_room(item.meeting)
        policies.require(
            policies.can_record_for_item(user=actor, meeting=room.meeting),
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may record this."),
        )
        _item_in_meeting(item)
        if room.meeting.status not in {*ROOM_OPEN, MeetingStatus.CLOSED}:
            raise ServiceError(E.MEETING_NOT_OPEN, _("The meeting has not been held."))
        if poll is not None and (
            poll.item_id != item.pk
            or poll.status not in {PollStatus.CLOSED, PollStatus.VOIDED}
        ):
            raise ServiceError(
                E.POLL_NOT_CLOSED,
                _("A resolution may cite only a closed vote on the same item."),
                field="poll",
            )
        resolution = Resolution.objects.create(
            item=item, poll=poll, text=text, recorded_by=actor, at=timezone.now()
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_RESOLUTION_RECORDED,
            payload={
                "resolution": str(resolution.pk),
                "item": str(item.pk),
                "poll": str(poll.pk) if poll else None,
                "text": text,
            },
            patch={"item_record": {"item": str(item.pk), "resolution": text}},
        )
    return resolution


def _require_own_dissent_allowed(item: AgendaItem, member: Any) -> None:
    """A member's own dissent is from a resolution of an item they attended (the
    secretariat may still record one handed in writing: APA s.83)."""
    if not dissents.has_resolution(item):
        raise ServiceError(
            E.NO_RESOLUTION,
            _(
                "No resolution has been recorded for this item yet; a dissenting "
                "opinion is recorded after the resolution."
            ),
            field="item",
        )
    if not dissents.attended_item(item=item, member=member):
        raise ServiceError(
            E.NOT_PRESENT_FOR_ITEM,
            _(
                "You may record your dissenting opinion only on an item you attended "
                "and did not withdraw from."
            ),
            field="item",
        )


def record_dissent(
    *, actor: Actor, item: AgendaItem, member: Any, opinion: str
) -> Dissent:
    """Record a member's dissenting opinion and reasons for the minutes (APA s.83;
    R52). A member records their own, on a resolved item they attended; the chair or
    secretariat may record one for a member."""
    opinion = clean_text(opinion, field="opinion", max_length=TEXT_MAX)
    with transaction.atomic():
        room = lock_room(item.meeting)
        policies.require(
            policies.can_record_dissent(
                user=actor, meeting=room.meeting, member=member
            ),
            CoreError.NOT_ALLOWED,
            _("You may record only your own dissent."),
        )
        _item_in_meeting(item)
        _voting_member(room.meeting, member)
        if room.meeting.status not in {*ROOM_OPEN, MeetingStatus.CLOSED}:
            raise ServiceError(E.MEETING_NOT_OPEN, _("The meeting has not been held."))
        if actor.pk == member.pk:
            _require_own_dissent_allowed(item, member)
        dissent = Dissent.objects.create(
            item=item,
            member=member,
            opinion=opinion,
            recorded_by=actor,
            at=timezone.now(),
        )
        commit_room_change(
            room,
            actor=actor,
            kind=VotingEvent.ITEM_DISSENT_RECORDED,
            payload={
                "dissent": str(dissent.pk),
                "item": str(item.pk),
                "member": str(member.pk),
                "opinion": opinion,
            },
            patch=item_record_patch(item),
        )
    return dissent
