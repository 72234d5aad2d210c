"""Ballots from the meeting room over HTTP (Decree s.6, s.9(2); R26, R27).

- the secretary's page for the room's ballots (:func:`room_ballots_page`): the live vote,
  the eligible members in the room who have not voted, with a show-of-hands entry
  (open votes) or "unlock the terminal for" (secret votes), and the paper batch form;
- the room ballot terminal (:func:`terminal`), opened on the room's computer in the
  secretary's session: locked, it shows nothing but that and reloads itself; unlocked
  for one member, it shows that member's name, the question and the choices — never
  anything of earlier ballots.

Every form carries out one vote command of the room's table, as the socket and the
REST API do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from prachum.attendance.views import meeting_for
from prachum.committees.selectors import list_members
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.meetings.models import Meeting
from prachum.room.console_views import run_command
from prachum.voting import policies, room_ballots, room_selectors, selectors
from prachum.voting.limits import TERMINAL_UNLOCK_SECONDS
from prachum.voting.lookups import poll_of
from prachum.voting.models import Poll, PollKind

LOCKED_RELOAD_SECONDS = 3


def _manager_meeting(request: HttpRequest, pk: Any) -> Meeting:
    meeting = meeting_for(request, pk)
    if not policies.can_manage_polls(user=actor_of(request), meeting=meeting):
        raise PermissionDenied
    return meeting


def _id(request: HttpRequest, name: str) -> str:
    """A posted id, or 404 (only a tampered form sends something else)."""
    return _id_of(request.POST.get(name, ""))


def _poll(meeting: Meeting, request: HttpRequest) -> Poll:
    poll = poll_of(meeting, request.POST.get("poll"))
    if poll is None:
        raise Http404
    return poll


def _choice(request: HttpRequest, poll: Poll) -> str | list[str]:
    chosen = request.POST.getlist("choice")
    if poll.kind == PollKind.MOTION:
        return chosen[0] if chosen else ""
    return chosen


def _carry_out(
    request: HttpRequest,
    pk: Any,
    name: str,
    args: Callable[[Meeting], dict[str, Any]],
    back: str = "attendance:room_ballots",
) -> HttpResponse:
    meeting = _manager_meeting(request, pk)
    try:
        answer = run_command(meeting, actor_of(request), name, args(meeting))
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, answer)
    return redirect(back, pk=meeting.pk)


# --- the secretary's page ----------------------------------------------------------


@never_cache
@login_required
@require_GET
def room_ballots_page(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = _manager_meeting(request, pk)
    poll = selectors.live_poll(meeting=meeting)
    roster = [
        (str(m.user_id), m.user.display_name)
        for m in list_members(committee=meeting.committee).select_related("user")
    ]
    panel = room_selectors.room_panel(poll) if poll is not None else None
    ballot = room_selectors.ballot_form(poll) if poll is not None else None
    choices: list[tuple[str, str]] = []
    if ballot is not None:
        choices = (
            [("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))]
            if ballot["kind"] == PollKind.MOTION
            else [(o["id"], o["label"]) for o in ballot["options"]]
        )
    channel_labels = {
        "device": _("Own device"),
        "hands": _("Show of hands in the room"),
        "terminal": _("Room ballot terminal"),
        "paper": _("Paper ballot"),
    }
    return render(
        request,
        "voting/room_ballots.html",
        {
            "meeting": meeting,
            "poll": poll,
            "panel": panel,
            "choices": choices,
            "is_motion": ballot is not None and ballot["kind"] == PollKind.MOTION,
            "marks_per_ballot": (
                ballot is not None
                and ballot["kind"] == PollKind.UP_TO_K_OF_N
                and ballot["max_choices"] > 1
            ),
            "roster": roster,
            "channels": [
                (channel_labels[c], n)
                for c, n in (panel or {}).get("channels", {}).items()
            ],
        },
    )


@login_required
@require_POST
def record_hand_vote(request: HttpRequest, pk: Any) -> HttpResponse:
    def args(meeting: Meeting) -> dict[str, Any]:
        poll = _poll(meeting, request)
        return {
            "poll": poll,
            "voter": _id(request, "voter"),
            "choice": _choice(request, poll),
        }

    return _carry_out(request, pk, "ballot.hand", args)


@login_required
@require_POST
def unlock_terminal(request: HttpRequest, pk: Any) -> HttpResponse:
    return _carry_out(
        request,
        pk,
        "terminal.unlock",
        lambda m: {"poll": _poll(m, request), "voter": _id(request, "voter")},
    )


@login_required
@require_POST
def lock_terminal(request: HttpRequest, pk: Any) -> HttpResponse:
    return _carry_out(
        request,
        pk,
        "terminal.lock",
        lambda m: {"poll": _poll(m, request)},
    )


def _count(value: str) -> int:
    try:
        number = int(value or "0")
    except ValueError:
        return -1  # refused by the service as a count that does not fit
    return number


@login_required
@require_POST
def record_paper_batch(request: HttpRequest, pk: Any) -> HttpResponse:
    def args(meeting: Meeting) -> dict[str, Any]:
        poll = _poll(meeting, request)
        keys = selectors.option_keys(poll)
        if poll.kind != PollKind.MOTION:
            keys = [*keys, "blank"]
        counts = {k: _count(request.POST.get(f"count_{k}", "")) for k in keys}
        data: dict[str, Any] = {
            "poll": poll,
            "tellers": [
                request.POST.get("teller_1", ""),
                request.POST.get("teller_2", ""),
            ],
            "voters": [_id_of(v) for v in request.POST.getlist("voters")],
        }
        if request.POST.get("marked", "").strip():
            data["marked"] = _marked(request.POST["marked"], poll)
        else:
            data["counts"] = counts
        return data

    return _carry_out(request, pk, "paper.batch", args)


def _id_of(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise Http404 from None


def _marked(text: str, poll: Poll) -> list[list[str]]:
    """One paper ballot per line: the numbers of the marked options (1, 3), or
    nothing for a blank ballot."""
    keys = selectors.option_keys(poll)
    out = []
    for line in text.splitlines():
        numbers = [n.strip() for n in line.replace(" ", ",").split(",") if n.strip()]
        ballot = []
        for n in numbers:
            index = int(n) - 1 if n.isdigit() else -1
            ballot.append(keys[index] if 0 <= index < len(keys) else f"#{n}")
        out.append(ballot)
    return out


# --- the room ballot terminal ----------------------------------------------------


@never_cache
@login_required
@require_GET
def terminal(request: HttpRequest, pk: Any) -> HttpResponse:
    """Locked: nothing but that, and the page reloads itself until the secretary
    unlocks it. Unlocked: the member's name (so they can confirm it is them), the
    question and the choices; nothing of earlier ballots."""
    meeting = _manager_meeting(request, pk)
    claimed = room_ballots.claim_terminal(actor=actor_of(request), meeting=meeting)
    if claimed is None:
        response = render(
            request, "voting/terminal.html", {"meeting": meeting, "unlocked": False}
        )
        response["Refresh"] = str(LOCKED_RELOAD_SECONDS)
        return response
    unlock, token = claimed
    ballot = room_selectors.ballot_form(unlock.poll)
    response = render(
        request,
        "voting/terminal.html",
        {
            "meeting": meeting,
            "unlocked": True,
            "name": unlock.voter.display_name,
            "token": token,
            "ballot": ballot,
            "is_motion": ballot["kind"] == PollKind.MOTION,
            "multiple": ballot["kind"] == PollKind.UP_TO_K_OF_N,
        },
    )
    response["Refresh"] = str(TERMINAL_UNLOCK_SECONDS + 5)  # back to locked
    return response


@login_required
@require_POST
def terminal_cast(request: HttpRequest, pk: Any) -> HttpResponse:
    """The message never repeats the choice: the next person sees this screen."""

    def args(meeting: Meeting) -> dict[str, Any]:
        poll = _poll(meeting, request)
        return {
            "poll": poll,
            "token": request.POST.get("token", ""),
            "choice": _choice(request, poll),
        }

    return _carry_out(
        request,
        pk,
        "terminal.cast",
        args,
        back="attendance:terminal",
    )
