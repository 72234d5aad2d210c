"""The chair's console over HTTP: the fallback forms of the room page (R18, R23).

Every form carries out one command of the room's table (:mod:`prachum.room.commands`),
the same the socket and the REST API use, so a change made here leaves the same
evidence and publishes the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from prachum.accounts.models import User
from prachum.attendance.forms import (
    AdmitForm,
    HandleForm,
    ItemForm,
    ReasonForm,
    RemoveForm,
    ReportForm,
    UserForm,
    VouchForm,
)
from prachum.attendance.views import in_kingdom, meeting_for
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.meetings.models import Meeting
from prachum.room import commands

Action = Callable[[Meeting, User, dict[str, Any]], str]


def run_command(
    meeting: Meeting, actor: User, name: str, args: Mapping[str, Any]
) -> str:
    """Resolve the command's references inside ``meeting`` (404 if one is not of
    it), carry it out and give its answer: what it did, in one sentence."""
    try:
        resolved = commands.resolve(name, meeting=meeting, args=args)
    except commands.UnknownReferenceError:
        raise Http404 from None
    return commands.carry_out(name, meeting=meeting, actor=actor, **resolved)


def command(
    name: str, args: Callable[[Meeting, dict[str, Any]], dict[str, Any]]
) -> Action:
    """An action that carries out command ``name`` with ``args(meeting, form data)``."""
    return lambda m, u, d: run_command(m, u, name, args(m, d))


def console(
    request: HttpRequest,
    pk: Any,
    form_class: type[Form] | None,
    action: Action,
) -> HttpResponse:
    """Validate, carry out, tell what was done (the command's answer), back to the
    room."""
    meeting = meeting_for(request, pk)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect("attendance:room", pk=meeting.pk)
        data = form.cleaned_data
    try:
        answer = action(meeting, actor_of(request), data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, answer)
    return redirect("attendance:room", pk=meeting.pk)


def _none(m: Meeting, d: dict[str, Any]) -> dict[str, Any]:
    return {}


def _user(m: Meeting, d: dict[str, Any]) -> dict[str, Any]:
    return {"user": d["user"]}


@login_required
@require_POST
def open_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        ReasonForm,
        command("meeting.open", lambda m, d: {"reason": d["reason"]}),
    )


@login_required
@require_POST
def suspend_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        ReasonForm,
        command("meeting.suspend", lambda m, d: {"reason": d["reason"]}),
    )


@login_required
@require_POST
def resume_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        None,
        command("meeting.resume", _none),
    )


@login_required
@require_POST
def close_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(request, pk, None, command("meeting.close", _none))


@login_required
@require_POST
def set_item(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        ItemForm,
        command("item.set", lambda m, d: {"item": d["item"]}),
    )


@login_required
@require_POST
def give_floor(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(request, pk, UserForm, command("floor.give", _user))


@login_required
@require_POST
def end_floor(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(request, pk, None, command("floor.end", _none))


@login_required
@require_POST
def remove_participant(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        RemoveForm,
        command(
            "participant.remove",
            lambda m, d: {"user": d["user"], "reason": d["reason"]},
        ),
    )


@login_required
@require_POST
def readmit_participant(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        UserForm,
        command("participant.readmit", _user),
    )


@login_required
@require_POST
def admit_invitee(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        AdmitForm,
        command("invitee.admit", lambda m, d: {"user": d["user"], "item": d["item"]}),
    )


@login_required
@require_POST
def vouch(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        VouchForm,
        command(
            "participant.vouch",
            lambda m, d: {
                "user": d["user"],
                "location": d["location"],
                "in_kingdom": in_kingdom(m, d["in_kingdom"]),
                "note": d["note"],
            },
        ),
    )


@login_required
@require_POST
def sign_in(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        UserForm,
        command("participant.sign_in", _user),
    )


@login_required
@require_POST
def sign_out(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        UserForm,
        command("participant.sign_out", _user),
    )


@login_required
@require_POST
def report_incident(request: HttpRequest, pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        ReportForm,
        command("incident.report", lambda m, d: {"description": d["description"]}),
    )


@login_required
@require_POST
def handle_incident(request: HttpRequest, pk: Any, incident_pk: Any) -> HttpResponse:
    return console(
        request,
        pk,
        HandleForm,
        command(
            "incident.handle",
            lambda m, d: {"incident": incident_pk, "handling": d["handling"]},
        ),
    )
