"""The room page: its frame; the state arrives over the socket (prachum.realtime)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from prachum.accounts.models import User
from prachum.attendance import policies
from prachum.attendance.forms import location_choices
from prachum.attendance.models import CheckMethod, IncidentKind, LocationKind
from prachum.attendance.selectors import current_check
from prachum.attendance.views import is_legacy, meeting_for
from prachum.committees.models import Role
from prachum.core.actors import actor_of
from prachum.core.citations import code_labels, known_clauses
from prachum.domain.quorum import Standing
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus
from prachum.meetings.policies import can_prepare_meeting
from prachum.room.facts import current_item, may_enter
from prachum.room.lifecycle import opens_from
from prachum.room.recording import recording_labels
from prachum.voting import selectors as voting_selectors
from prachum.voting.models import PollStatus


@never_cache
@login_required
def room(request: HttpRequest, pk: Any) -> HttpResponse:
    """The room's frame; its state arrives over the socket, after the identity check."""
    meeting = meeting_for(request, pk)
    user = actor_of(request)
    if not may_enter(meeting=meeting, user=user):
        if current_check(
            meeting=meeting, user=user, item=current_item(meeting=meeting)
        ):
            return render(
                request,
                "attendance/not_admitted.html",
                {"meeting": meeting},
                status=403,
            )
        messages.info(request, _("Confirm your identity for this meeting first."))
        return redirect("attendance:check", pk=meeting.pk)
    console = policies.can_run_console(user=user, meeting=meeting)
    return render(
        request,
        "attendance/room.html",
        {
            "meeting": meeting,
            "socket_path": f"/ws/meetings/{meeting.pk}/",
            "console": console,
            "labels": _room_labels(),
            "vouch_locations": location_choices(meeting),
            "legacy": is_legacy(meeting),
            "hybrid": meeting.mode == MeetingMode.HYBRID,
            "incident_placeholder": PLACEHOLDER,
            "drafts": _draft_polls(meeting, user),
            "opens_from": opens_from(meeting),
            "can_reschedule": can_prepare_meeting(user=user, meeting=meeting),
        },
    )


PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def _choices(choices: list[tuple[str, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _room_labels() -> dict[str, Any]:
    """Every text the room script shows, in the page language."""
    return {
        "status": _choices(MeetingStatus.choices),
        "role": _choices(Role.choices),
        "mode": _choices(LocationKind.choices),
        "method": _choices(CheckMethod.choices),
        "incident": _choices(IncidentKind.choices),
        "standing": standing_labels(),
        "connection": {
            "connecting": _("Connecting…"),
            "connected": _("Connected"),
            "reconnecting": _("Connection lost; reconnecting in %(seconds)s s…"),
            "resyncing": _("Catching up with the room…"),
            "resynced": _("Resynced at version %(version)s"),
            "refused": _("Not connected"),
            "left": _("You left the meeting room"),
        },
        "quorum_met": _("Quorum present"),
        "quorum_not_met": _("No quorum"),
        "no_item": _("No agenda item is being considered."),
        "item": _("Item %(number)s"),
        "floor_nobody": _("Nobody has the floor."),
        "floor_holder": _("%(name)s has the floor"),
        "hand_raised": _("hand raised"),
        "identified": _("identity confirmed"),
        "not_identified": _("identity not confirmed"),
        "connected": _("connected"),
        "not_connected": _("not connected"),
        "by_phone": _("Telephone / video room system"),
        "voting": _("voting"),
        "you": _("you"),
        "secret": _("Secret"),
        "not_sent": _("The connection was lost before the answer came back."),
        "handled": _("Handled"),
        "record_handling": _("Record handling"),
        "handling_label": _("How it was handled"),
        "no_incidents": _("No incidents."),
        "check_again": _("Confirm your identity again"),
        "choose": _("— choose —"),
        "vote": _vote_labels(),
        # asked before a step that cannot be undone (issue 14 point 7)
        "confirm": {
            "meeting_close": _(
                "Close the meeting? Everyone leaves the meeting room, the recording "
                "ends and the record of the meeting is sealed. A closed meeting "
                "cannot be opened again."
            ),
            "poll_close": _(
                "Close the vote on agenda item %(number)s? The ballots are counted "
                "now and no more ballots can be cast."
            ),
        },
        "recording": recording_labels(),
        # The law engine's citations and codes, as the results and quorum name them.
        "clauses": known_clauses(),
        "codes": code_labels(),
    }


def standing_labels() -> dict[str, str]:
    """Why a person counts towards the quorum or not, in words (issue 13 point 9)."""
    return {
        Standing.COUNTED_IN_ROOM: _("counts towards the quorum: at the meeting room"),
        Standing.COUNTED_REMOTE: _(
            "counts towards the quorum: identified and connected"
        ),
        Standing.NOT_IDENTIFIED: _("does not count: identity not confirmed"),
        Standing.NOT_CONNECTED: _(
            "does not count: not in the meeting room or connected"
        ),
        Standing.AUDIO_DOWN: _(
            "does not count: their audio does not reach the meeting"
        ),
        Standing.RECUSED: _("does not count: withdrawn from this agenda item"),
        Standing.NO_VOTE: _("not counted: has no vote in this body"),
        Standing.ON_LEAVE: _("does not count: on leave from this meeting"),
    }


def _vote_labels() -> dict[str, Any]:
    return {
        "kind": {
            "motion": _("Motion"),
            "one_of_n": _("One of several options"),
            "k_of_n": _("Up to %(k)s of several options"),
        },
        "status": {
            "draft": _("prepared"),
            "open": _("voting open"),
            "awaiting_casting_vote": _("tied: awaiting the chair's casting vote"),
            "closed": _("closed"),
            "voided": _("voided"),
        },
        "open": _("Open vote"),
        "secret": _("Secret vote"),
        "yes": _("Yes"),
        "no": _("No"),
        "abstain": _("Abstain"),
        "blank": _("Blank ballots"),
        "cast_ballot": _("Cast my ballot"),
        "voted": _("Your ballot is cast."),
        "not_eligible": _("You do not vote in this vote."),
        "no_poll": _("No vote is in progress."),
        "carried": _("Carried"),
        "not_carried": _("Not carried"),
        "winners": _("Chosen"),
        "tied": _("Tied"),
        "voided_reason": _("The vote was voided: %(reason)s"),
        "ballots": _("How each member voted"),
        "totals_only": _("Secret vote: only the totals are shown."),
        "casting_vote": _("Casting vote of the chair"),
        "give_casting_vote": _("Give the casting vote"),
        "open_poll": _("Open the vote"),
        "close_poll": _("Close the vote"),
        "reason": _("Reason (only when there is no quorum)"),
        "resolution": _("Resolution"),
        "no_resolution": _("No resolution has been recorded for this item yet."),
        "dissents": _("Dissenting opinions"),
        "choose_up_to": _("Choose up to %(k)s."),
    }


def _draft_polls(meeting: Meeting, user: User) -> list[dict[str, Any]]:
    """Prepared, unopened votes on the current item, for the console after a reload."""
    item = current_item(meeting=meeting)
    if item is None or not policies.can_run_console(user=user, meeting=meeting):
        return []
    return [
        voting_selectors.poll_dict(p)
        for p in voting_selectors.list_polls(item=item).filter(status=PollStatus.DRAFT)
    ]
