"""Votes over HTTP: the room page's fallback forms (R26-R29, R52).

Each form carries out one vote command of the room's table (registered by
:mod:`prachum.voting.commands`), the same the socket and the REST API use.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from prachum.accounts.models import User
from prachum.attendance.forms import (
    DissentForm,
    PollCreateForm,
    PollReasonForm,
    ResolutionForm,
)
from prachum.meetings.models import Meeting
from prachum.room.console_views import command, console, run_command
from prachum.voting.lookups import poll_of
from prachum.voting.models import Poll, PollKind


def _poll(meeting: Meeting, poll_id: Any) -> Poll:
    """A poll of this meeting, or 404."""
    poll = poll_of(meeting, poll_id)
    if poll is None:
        raise Http404
    return poll


def _choice(request: HttpRequest, poll: Poll) -> str | list[str]:
    """A motion is answered with one word; an election with the chosen option ids."""
    chosen = request.POST.getlist("choice")
    if poll.kind == PollKind.MOTION:
        return chosen[0] if chosen else ""
    return chosen


@login_required
@require_POST
def create_poll(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        PollCreateForm,
        command(
            "poll.create",
            lambda m, d: {
                "item": d["item"],
                "kind": d["kind"],
                "question": d["question"],
                "options": d["options"],
                "max_choices": d["max_choices"] or 1,
                "secret": d["secret"],
            },
        ),
    )


@login_required
@require_POST
def open_poll(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        PollReasonForm,
        command("poll.open", lambda m, d: {"poll": d["poll"], "reason": d["reason"]}),
    )


@login_required
@require_POST
def close_poll(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        PollReasonForm,
        command("poll.close", lambda m, d: {"poll": d["poll"], "reason": d["reason"]}),
    )


@login_required
@require_POST
def cast_ballot(request: HttpRequest, pk: Any) -> HttpResponse:
    """The message never repeats the choice: a page must not prove a secret vote."""

    def act(m: Meeting, u: User, d: dict[str, Any]) -> str:
        poll = _poll(m, request.POST.get("poll"))
        return run_command(
            m, u, "ballot.cast", {"poll": poll, "choice": _choice(request, poll)}
        )

    return console(request, pk, None, act)


@login_required
@require_POST
def casting_vote(request: HttpRequest, pk: Any) -> HttpResponse:
    def act(m: Meeting, u: User, d: dict[str, Any]) -> str:
        poll = _poll(m, request.POST.get("poll"))
        return run_command(
            m, u, "poll.casting_vote", {"poll": poll, "choice": _choice(request, poll)}
        )

    return console(request, pk, None, act)


@login_required
@require_POST
def record_resolution(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        ResolutionForm,
        command(
            "resolution.record",
            lambda m, d: {
                "item": d["item"],
                "text": d["text"],
                "poll": d["poll"] or None,
            },
        ),
    )


@login_required
@require_POST
def record_dissent(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        DissentForm,
        command(
            "dissent.record",
            lambda m, d: {
                "item": d["item"],
                "member": d["member"],
                "opinion": d["opinion"],
            },
        ),
    )
