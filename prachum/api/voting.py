"""Voting endpoints: polls, ballots, casting votes, results, recusals, resolutions and
dissents, and the ballots from the meeting room (show of hands, the room ballot
terminal, paper batches). Thin: selectors to read, the same services the room and pages call to write,
so a ballot from the API is refused with the same codes (``POLL_NOT_OPEN``,
``NOT_ELIGIBLE``, ``INVALID_CHOICE``, ``ALREADY_VOTED``) and leaves the same evidence.

Mounted by ``prachum/api/api.py``: ``api.add_router("", voting_router)`` — paths are
``/api/polls/...`` and ``/api/items/...``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from prachum.accounts.models import User
from prachum.core.actors import actor_of
from prachum.core.errors import CoreError, PermissionDeniedError
from prachum.meetings.models import AgendaItem
from prachum.voting import (
    ballots,
    paper_ballots,
    policies,
    polls,
    room_ballots,
    room_selectors,
    selectors,
)
from prachum.voting import item_record as item_records  # a view here is item_record
from prachum.voting.models import Poll

router = Router(tags=["voting"])


class ErrorOut(Schema):
    code: str
    message: str


class OptionOut(Schema):
    id: UUID
    label: str
    position: int


class PollOut(Schema):
    id: UUID
    item: UUID
    kind: str
    question: str
    is_secret: bool
    max_choices: int
    status: str
    options: list[OptionOut]
    eligible: int | None
    cast: int | None
    opened_at: datetime | None
    closed_at: datetime | None
    quorum_at_open: dict[str, Any] | None
    open_without_quorum_reason: str
    quorum_at_close: dict[str, Any] | None
    close_without_quorum_reason: str
    rule: dict[str, Any] | None
    base_members: int | None
    result: dict[str, Any] | None
    ballots: list[dict[str, Any]] | None
    me: dict[str, Any] | None


class PollIn(Schema):
    kind: str
    question: str
    options: list[str] = []
    max_choices: int = 1
    secret: bool | None = None


class ReasonIn(Schema):
    without_quorum_reason: str = ""


class BallotIn(Schema):
    choice: str | list[str]


class BallotOut(Schema):
    poll: UUID
    accepted: bool
    cast: int
    eligible: int | None


class ProgressOut(Schema):
    poll: UUID
    status: str
    cast: int | None
    eligible: int | None
    result: dict[str, Any] | None


class ResolutionIn(Schema):
    text: str
    poll_id: UUID | None = None


class DissentIn(Schema):
    opinion: str
    member_id: UUID | None = None


class RecusalIn(Schema):
    member_id: UUID
    ground: str
    kind: str = "self_declared"
    detail: str = ""


class RecordOut(Schema):
    id: UUID
    item: UUID
    at: datetime


def _poll(request: HttpRequest, poll_id: UUID) -> Poll:
    poll = selectors.get_poll(poll_id=poll_id)
    if poll is None or not policies.can_view_polls(
        user=request.user, meeting=poll.meeting
    ):
        raise Http404
    return poll


def _item(request: HttpRequest, item_id: UUID) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__committee"), pk=item_id
    )
    if not policies.can_view_polls(user=request.user, meeting=item.meeting):
        raise Http404
    return item


def _member(item: AgendaItem, user_id: UUID) -> Any:
    """A person on the item's committee roster (else 404: no probing of other users)."""
    return get_object_or_404(
        User, pk=user_id, memberships__committee=item.meeting.committee
    )


def _out(poll: Poll, request: HttpRequest) -> dict[str, Any]:
    poll = selectors.get_poll(poll_id=poll.pk) or poll
    return selectors.poll_dict(poll, viewer=request.user)


@router.post(
    "/items/{item_id}/polls",
    response={201: PollOut, 400: ErrorOut, 403: ErrorOut},
)
def create_poll(request: HttpRequest, item_id: UUID, body: PollIn) -> object:
    item = _item(request, item_id)
    poll = polls.create_poll(
        actor=actor_of(request),
        item=item,
        kind=body.kind,
        question=body.question,
        options=body.options,
        max_choices=body.max_choices,
        secret=body.secret,
    )
    return Status(201, _out(poll, request))


@router.get("/items/{item_id}/polls", response=list[PollOut])
def list_polls(request: HttpRequest, item_id: UUID) -> object:
    item = _item(request, item_id)
    return [
        selectors.poll_dict(p, viewer=request.user)
        for p in selectors.list_polls(item=item)
    ]


@router.get("/polls/{poll_id}", response=PollOut)
def get_poll(request: HttpRequest, poll_id: UUID) -> object:
    return selectors.poll_dict(_poll(request, poll_id), viewer=request.user)


@router.post(
    "/polls/{poll_id}/open", response={200: PollOut, 400: ErrorOut, 403: ErrorOut}
)
def open_poll(request: HttpRequest, poll_id: UUID, body: ReasonIn) -> object:
    poll = polls.open_poll(
        actor=actor_of(request),
        poll=_poll(request, poll_id),
        without_quorum_reason=body.without_quorum_reason,
    )
    return _out(poll, request)


@router.post(
    "/polls/{poll_id}/close", response={200: PollOut, 400: ErrorOut, 403: ErrorOut}
)
def close_poll(request: HttpRequest, poll_id: UUID, body: ReasonIn) -> object:
    poll = polls.close_poll(
        actor=actor_of(request),
        poll=_poll(request, poll_id),
        without_quorum_reason=body.without_quorum_reason,
    )
    return _out(poll, request)


@router.post(
    "/polls/{poll_id}/ballots",
    response={201: BallotOut, 400: ErrorOut, 403: ErrorOut},
)
def cast_ballot(request: HttpRequest, poll_id: UUID, body: BallotIn) -> object:
    """The answer never echoes the choice: a receipt must not prove a secret vote."""
    poll = _poll(request, poll_id)
    ballots.cast_ballot(voter=request.user, poll=poll, choice=body.choice)
    figures = selectors.progress(poll)
    return Status(
        201,
        {
            "poll": poll.pk,
            "accepted": True,
            "cast": figures["cast"],
            "eligible": figures["eligible"],
        },
    )


@router.post(
    "/polls/{poll_id}/casting-vote",
    response={200: PollOut, 400: ErrorOut, 403: ErrorOut},
)
def cast_deciding_vote(request: HttpRequest, poll_id: UUID, body: BallotIn) -> object:
    poll = polls.cast_deciding_vote(
        actor=actor_of(request), poll=_poll(request, poll_id), choice=body.choice
    )
    return _out(poll, request)


@router.get("/polls/{poll_id}/results", response=ProgressOut)
def results(request: HttpRequest, poll_id: UUID) -> object:
    """Progress while open (``cast``/``eligible``), totals and decision once closed."""
    data = selectors.poll_dict(_poll(request, poll_id))
    return {
        "poll": data["id"],
        "status": data["status"],
        "cast": data["cast"],
        "eligible": data["eligible"],
        "result": data["result"],
    }


@router.get("/items/{item_id}/record", response=dict[str, Any])
def item_record(request: HttpRequest, item_id: UUID) -> object:
    """What the minutes show under the item: recusals, results, resolution, dissents."""
    return selectors.item_record(item=_item(request, item_id))


@router.post(
    "/items/{item_id}/resolution",
    response={201: RecordOut, 400: ErrorOut, 403: ErrorOut},
)
def record_resolution(
    request: HttpRequest, item_id: UUID, body: ResolutionIn
) -> object:
    item = _item(request, item_id)
    poll = get_object_or_404(Poll, pk=body.poll_id, item=item) if body.poll_id else None
    resolution = item_records.record_resolution(
        actor=actor_of(request), item=item, text=body.text, poll=poll
    )
    return Status(201, {"id": resolution.pk, "item": item.pk, "at": resolution.at})


@router.post(
    "/items/{item_id}/dissents",
    response={201: RecordOut, 400: ErrorOut, 403: ErrorOut},
)
def record_dissent(request: HttpRequest, item_id: UUID, body: DissentIn) -> object:
    item = _item(request, item_id)
    member = _member(item, body.member_id) if body.member_id else request.user
    dissent = item_records.record_dissent(
        actor=actor_of(request), item=item, member=member, opinion=body.opinion
    )
    return Status(201, {"id": dissent.pk, "item": item.pk, "at": dissent.at})


@router.post(
    "/items/{item_id}/recusals",
    response={201: RecordOut, 400: ErrorOut, 403: ErrorOut},
)
def record_recusal(request: HttpRequest, item_id: UUID, body: RecusalIn) -> object:
    item = _item(request, item_id)
    recusal = item_records.record_recusal(
        actor=actor_of(request),
        item=item,
        member=_member(item, body.member_id),
        ground=body.ground,
        kind=body.kind,
        detail=body.detail,
    )
    return Status(201, {"id": recusal.pk, "item": item.pk, "at": recusal.at})


# --- ballots from the meeting room (R26, R27) ----------------------------------------


class HandVoteIn(Schema):
    voter_id: UUID
    choice: str | list[str]


class UnlockIn(Schema):
    voter_id: UUID


class UnlockOut(Schema):
    id: UUID
    poll: UUID
    voter: UUID
    expires_at: datetime


class LockOut(Schema):
    cancelled: list[UUID]


class TerminalOut(Schema):
    """Locked, or unlocked for one member: their name, the token for one ballot, the
    question and the choices. Nothing of earlier ballots."""

    unlocked: bool
    name: str | None = None
    token: str | None = None
    expires_at: datetime | None = None
    ballot: dict[str, Any] | None = None


class TerminalBallotIn(Schema):
    token: str
    choice: str | list[str]


class PaperBatchIn(Schema):
    teller_ids: list[UUID]
    voter_ids: list[UUID]
    counts: dict[str, int] | None = None
    marked: list[list[str]] | None = None


class PaperBatchOut(Schema):
    id: UUID
    poll: UUID
    ballots: int
    tellers: list[UUID]
    voters: list[UUID]


def _managed(request: HttpRequest, poll_id: UUID) -> Poll:
    poll = _poll(request, poll_id)
    if not policies.can_manage_polls(user=request.user, meeting=poll.meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may record votes from the room."),
        )
    return poll


@router.get("/polls/{poll_id}/room", response={200: dict[str, Any], 403: ErrorOut})
def room_panel(request: HttpRequest, poll_id: UUID) -> object:
    """For the chair and the secretariat: the eligible members in the room who have not
    voted, the terminal's state, the ballots per channel and the paper batches."""
    return room_selectors.room_panel(_managed(request, poll_id))


@router.post(
    "/polls/{poll_id}/hands",
    response={201: PollOut, 400: ErrorOut, 403: ErrorOut},
)
def record_hand_vote(request: HttpRequest, poll_id: UUID, body: HandVoteIn) -> object:
    poll = _managed(request, poll_id)
    room_ballots.record_hand_vote(
        actor=actor_of(request),
        poll=poll,
        voter=_member(poll.item, body.voter_id),
        choice=body.choice,
    )
    return Status(201, _out(poll, request))


@router.post(
    "/polls/{poll_id}/terminal/unlock",
    response={201: UnlockOut, 400: ErrorOut, 403: ErrorOut},
)
def unlock_terminal(request: HttpRequest, poll_id: UUID, body: UnlockIn) -> object:
    poll = _managed(request, poll_id)
    unlock = room_ballots.unlock_terminal(
        actor=actor_of(request), poll=poll, voter=_member(poll.item, body.voter_id)
    )
    return Status(
        201,
        {
            "id": unlock.pk,
            "poll": poll.pk,
            "voter": unlock.voter_id,
            "expires_at": unlock.expires_at,
        },
    )


@router.post(
    "/polls/{poll_id}/terminal/lock",
    response={200: LockOut, 400: ErrorOut, 403: ErrorOut},
)
def lock_terminal(request: HttpRequest, poll_id: UUID) -> object:
    cancelled = room_ballots.lock_terminal(
        actor=actor_of(request), poll=_managed(request, poll_id)
    )
    return {"cancelled": cancelled}


@router.post(
    "/polls/{poll_id}/terminal/claim",
    response={200: TerminalOut, 403: ErrorOut},
)
def claim_terminal(request: HttpRequest, poll_id: UUID) -> object:
    """The terminal takes the unlock and its one-use token (given once)."""
    poll = _managed(request, poll_id)
    claimed = room_ballots.claim_terminal(actor=actor_of(request), meeting=poll.meeting)
    if claimed is None or claimed[0].poll_id != poll.pk:
        return {"unlocked": False}
    unlock, token = claimed
    return {
        "unlocked": True,
        "name": unlock.voter.display_name,
        "token": token,
        "expires_at": unlock.expires_at,
        "ballot": room_selectors.ballot_form(poll),
    }


@router.post(
    "/polls/{poll_id}/terminal/ballots",
    response={201: BallotOut, 400: ErrorOut, 403: ErrorOut},
)
def cast_at_terminal(
    request: HttpRequest, poll_id: UUID, body: TerminalBallotIn
) -> object:
    """The answer never echoes the choice."""
    poll = _managed(request, poll_id)
    room_ballots.cast_at_terminal(
        actor=actor_of(request), poll=poll, token=body.token, choice=body.choice
    )
    figures = selectors.progress(poll)
    return Status(
        201,
        {
            "poll": poll.pk,
            "accepted": True,
            "cast": figures["cast"],
            "eligible": figures["eligible"],
        },
    )


@router.post(
    "/polls/{poll_id}/paper-batches",
    response={201: PaperBatchOut, 400: ErrorOut, 403: ErrorOut},
)
def record_paper_batch(
    request: HttpRequest, poll_id: UUID, body: PaperBatchIn
) -> object:
    poll = _managed(request, poll_id)
    batch = paper_ballots.record_paper_batch(
        actor=actor_of(request),
        poll=poll,
        tellers=[str(t) for t in body.teller_ids],
        voters=[str(v) for v in body.voter_ids],
        counts=body.counts,
        marked=body.marked,
    )
    return Status(
        201,
        {
            "id": batch.pk,
            "poll": poll.pk,
            "ballots": batch.ballots,
            "tellers": [batch.teller_1_id, batch.teller_2_id],
            "voters": batch.voters,
        },
    )
