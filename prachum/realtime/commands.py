"""Run one room command from a socket: resolve its references, call one service.

Each message type maps to exactly one function of ``prachum.attendance.services``,
the same one the HTTP views call, so a change made from a socket and one made from
a page leave the same evidence and publish the same events. Synchronous: the
consumer calls :func:`run` through ``database_sync_to_async``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from prachum.attendance import media_hooks, services
from prachum.core.errors import ServiceError
from prachum.meetings.models import AgendaItem, Meeting
from prachum.realtime import schemas, selectors
from prachum.voting import ballots, item_record, polls
from prachum.voting import selectors as voting_selectors
from prachum.voting.models import Poll


def _not_found(field: str) -> ServiceError:
    return ServiceError(
        "NOT_FOUND", _("That does not belong to this meeting."), field=field
    )


def _item(meeting: Meeting, item_id: UUID, field: str = "item") -> AgendaItem:
    item = selectors.agenda_item_of(meeting=meeting, item_id=item_id)
    if item is None:
        raise _not_found(field)
    return item


def _user(meeting: Meeting, user_id: UUID, field: str = "user") -> Any:
    user = selectors.committee_user(meeting=meeting, user_id=user_id)
    if user is None:
        raise _not_found(field)
    return user


def _poll(meeting: Meeting, poll_id: UUID, field: str = "poll") -> Poll:
    poll = voting_selectors.get_poll(poll_id=poll_id)
    if poll is None or poll.meeting_id != meeting.pk:
        raise _not_found(field)
    return poll


def _choice(choice: str | list[UUID]) -> str | list[str]:
    return choice if isinstance(choice, str) else [str(c) for c in choice]


def run(command: schemas.Command, *, meeting: Meeting, actor: Any) -> None:
    """Carry out ``command`` for ``actor``; a refusal raises :class:`ServiceError`."""
    match command:
        case schemas.HandRaise():
            services.raise_hand(actor=actor, meeting=meeting)
        case schemas.HandLower():
            services.lower_hand(actor=actor, meeting=meeting)
        case schemas.FloorGive(user=user_id):
            services.give_floor(
                actor=actor, meeting=meeting, user=_user(meeting, user_id)
            )
        case schemas.FloorEnd():
            services.end_floor(actor=actor, meeting=meeting)
        case schemas.ItemSet(item=item_id):
            services.set_current_item(
                actor=actor, meeting=meeting, item=_item(meeting, item_id)
            )
        case schemas.MeetingOpen(reason=reason):
            services.open_meeting(
                actor=actor, meeting=meeting, without_quorum_reason=reason
            )
        case schemas.MeetingSuspend(reason=reason):
            services.suspend_meeting(actor=actor, meeting=meeting, reason=reason)
        case schemas.MeetingResume():
            services.resume_meeting(actor=actor, meeting=meeting)
        case schemas.MeetingClose():
            services.close_meeting(actor=actor, meeting=meeting)
        case schemas.IncidentReport(description=description):
            services.report_incident(
                actor=actor, meeting=meeting, description=description
            )
        case schemas.IncidentHandle(incident=incident_id, handling=handling):
            incident = selectors.incident_of(meeting=meeting, incident_id=incident_id)
            if incident is None:
                raise _not_found("incident")
            services.handle_incident(actor=actor, incident=incident, handling=handling)
        case schemas.ParticipantRemove(user=user_id, reason=reason):
            services.remove_participant(
                actor=actor,
                meeting=meeting,
                user=_user(meeting, user_id),
                reason=reason,
            )
        case schemas.ParticipantReadmit(user=user_id):
            services.readmit_participant(
                actor=actor, meeting=meeting, user=_user(meeting, user_id)
            )
        case schemas.InviteeAdmit(user=user_id, item=item_id):
            services.admit_invitee(
                actor=actor,
                meeting=meeting,
                user=_user(meeting, user_id),
                item=_item(meeting, item_id),
            )
        case (
            schemas.MediaMute()
            | schemas.MediaUnmuteRequest()
            | schemas.MediaStopVideo()
        ):
            _run_media(command, meeting=meeting, actor=actor)
        case _:
            _run_vote(command, meeting=meeting, actor=actor)


def _run_media(command: schemas.MediaCommand, *, meeting: Meeting, actor: Any) -> None:
    """The chair's media controls: each calls one function of ``media_hooks``."""
    user = _user(meeting, command.user)
    match command:
        case schemas.MediaMute():
            media_hooks.mute_participant(actor=actor, meeting=meeting, user=user)
        case schemas.MediaUnmuteRequest():
            media_hooks.request_unmute(actor=actor, meeting=meeting, user=user)
        case schemas.MediaStopVideo():
            media_hooks.stop_video(actor=actor, meeting=meeting, user=user)


def _run_vote(command: schemas.Command, *, meeting: Meeting, actor: Any) -> None:
    """The vote messages: each calls one function of ``prachum.voting.polls``,
    ``.ballots`` or ``.item_record``."""
    match command:
        case schemas.PollCreate():
            polls.create_poll(
                actor=actor,
                item=_item(meeting, command.item),
                kind=command.kind,
                question=command.question,
                options=command.options,
                max_choices=command.max_choices,
                secret=command.secret,
            )
        case schemas.PollOpen(poll=poll_id, reason=reason):
            polls.open_poll(
                actor=actor, poll=_poll(meeting, poll_id), without_quorum_reason=reason
            )
        case schemas.PollClose(poll=poll_id, reason=reason):
            polls.close_poll(
                actor=actor, poll=_poll(meeting, poll_id), without_quorum_reason=reason
            )
        case schemas.BallotCast(poll=poll_id, choice=choice):
            ballots.cast_ballot(
                voter=actor, poll=_poll(meeting, poll_id), choice=_choice(choice)
            )
        case schemas.PollCastingVote(poll=poll_id, choice=choice):
            polls.cast_deciding_vote(
                actor=actor, poll=_poll(meeting, poll_id), choice=_choice(choice)
            )
        case schemas.ResolutionRecord(item=item_id, text=text, poll=poll_id):
            item_record.record_resolution(
                actor=actor,
                item=_item(meeting, item_id),
                text=text,
                poll=_poll(meeting, poll_id) if poll_id is not None else None,
            )
        case schemas.DissentRecord(item=item_id, member=member_id, opinion=opinion):
            item_record.record_dissent(
                actor=actor,
                item=_item(meeting, item_id),
                member=_user(meeting, member_id, "member"),
                opinion=opinion,
            )
