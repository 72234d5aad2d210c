"""Challenges (คัดค้าน) over REST: file, list, decide, and the chair's redo flag on a
resolution (APA ss.13-17; R75, R76). The same services as the console's forms.
Mounted at the API root by ``prachum.api.api``: ``/api/items/{id}/challenges``,
``/api/challenges/{id}/decision``, ``/api/resolutions/{id}/redo``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from prachum.accounts.models import User
from prachum.core.actors import actor_of
from prachum.meetings.models import AgendaItem
from prachum.voting import challenges, policies
from prachum.voting.models import Challenge, Poll, Resolution

router = Router(tags=["challenges"])


class ErrorOut(Schema):
    code: str
    message: str


class ChallengeIn(Schema):
    member_id: UUID
    #: s13_1 .. s13_6 (APA s.13) or s16 (other serious circumstance)
    ground: str
    facts: str
    #: who handed the challenge in, when the chair or secretary records it for a party
    challenger_name: str = ""


class DecisionIn(Schema):
    """The tally on "the member may go on" (APA s.15 para 3)."""

    votes_continue: int
    votes_remove: int
    abstentions: int = 0
    poll_id: UUID | None = None


class RedoIn(Schema):
    requested: bool = True
    reason: str = ""


class ChallengeOut(Schema):
    id: UUID
    item_id: UUID
    member_id: UUID
    challenger_name: str
    ground: str
    facts: str
    addressed_to: str
    filed_at: datetime
    outcome: str
    votes_continue: int | None
    votes_remove: int | None
    abstentions: int | None
    poll_id: UUID | None
    recusal_id: UUID | None
    decided_at: datetime | None


class RedoOut(Schema):
    id: UUID
    redo_requested: bool


def _item(request: HttpRequest, item_id: UUID) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__committee"), pk=item_id
    )
    if not policies.can_view_polls(user=request.user, meeting=item.meeting):
        raise Http404
    return item


def _challenge(request: HttpRequest, challenge_id: UUID) -> Challenge:
    challenge = get_object_or_404(
        Challenge.objects.select_related("item__meeting__committee"), pk=challenge_id
    )
    if not policies.can_view_polls(user=request.user, meeting=challenge.item.meeting):
        raise Http404
    return challenge


@router.get("/items/{item_id}/challenges", response=list[ChallengeOut])
def list_challenges(request: HttpRequest, item_id: UUID) -> Any:
    return list(_item(request, item_id).challenges.order_by("filed_at"))


@router.post(
    "/items/{item_id}/challenges",
    response={201: ChallengeOut, 400: ErrorOut, 403: ErrorOut},
)
def file_challenge(request: HttpRequest, item_id: UUID, body: ChallengeIn) -> Any:
    item = _item(request, item_id)
    member = get_object_or_404(
        User, pk=body.member_id, memberships__committee=item.meeting.committee
    )
    challenge = challenges.file_challenge(
        actor=actor_of(request),
        item=item,
        member=member,
        ground=body.ground,
        facts=body.facts,
        challenger_name=body.challenger_name,
    )
    return Status(201, challenge)


@router.post(
    "/challenges/{challenge_id}/decision",
    response={200: ChallengeOut, 400: ErrorOut, 403: ErrorOut},
)
def decide_challenge(request: HttpRequest, challenge_id: UUID, body: DecisionIn) -> Any:
    challenge = _challenge(request, challenge_id)
    poll = (
        get_object_or_404(Poll, pk=body.poll_id, item=challenge.item)
        if body.poll_id
        else None
    )
    return challenges.decide_challenge(
        actor=actor_of(request),
        challenge=challenge,
        votes_continue=body.votes_continue,
        votes_remove=body.votes_remove,
        abstentions=body.abstentions,
        poll=poll,
    )


@router.post(
    "/resolutions/{resolution_id}/redo",
    response={200: RedoOut, 400: ErrorOut, 403: ErrorOut},
)
def flag_redo(request: HttpRequest, resolution_id: UUID, body: RedoIn) -> Any:
    resolution = get_object_or_404(
        Resolution.objects.select_related("item__meeting__committee"),
        pk=resolution_id,
    )
    if not policies.can_view_polls(user=request.user, meeting=resolution.item.meeting):
        raise Http404
    return challenges.flag_redo(
        actor=actor_of(request),
        resolution=resolution,
        requested=body.requested,
        reason=body.reason,
    )
