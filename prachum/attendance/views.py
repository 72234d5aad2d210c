"""The meeting room pages: the identity check, the room, and the console over HTTP.

The room page carries no room state: ``static/js/room.js`` receives it over the
WebSocket once the identity check is passed. Every console action is also a plain
POST endpoint calling the same service as the socket (ARCHITECTURE §4, rule 1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from prachum.accounts import selectors as account_selectors
from prachum.accounts import services as account_services
from prachum.accounts.models import SecondFactor, User
from prachum.attendance import policies, selectors, services
from prachum.attendance.forms import (
    AdmitForm,
    DissentForm,
    HandleForm,
    IdentityCheckForm,
    ItemForm,
    PollCreateForm,
    PollReasonForm,
    ReasonForm,
    RemoveForm,
    ReportForm,
    ResolutionForm,
    UserForm,
    VouchForm,
    location_choices,
)
from prachum.attendance.models import (
    CheckMethod,
    Incident,
    IncidentKind,
    LocationKind,
)
from prachum.committees.models import Role
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error, client_ip
from prachum.domain.regimes import regime_on
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode, MeetingStatus
from prachum.voting import ballots, item_record, polls
from prachum.voting import selectors as voting_selectors
from prachum.voting.models import Poll, PollKind, PollStatus

ENTERABLE = {MeetingStatus.NOTIFIED, MeetingStatus.OPEN, MeetingStatus.SUSPENDED}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - guarded by login_required
        raise TypeError("a logged-in user is required")
    return user


def _meeting_for(request: HttpRequest, pk: Any) -> Meeting:
    """The meeting, for its participants only (others get 404, as on the detail page)."""
    meeting = get_object_or_404(
        Meeting.objects.select_related("committee__agency"), pk=pk
    )
    if not policies.is_participant(user=request.user, meeting=meeting):
        raise Http404
    return meeting


def _is_legacy(meeting: Meeting) -> bool:
    """Under NCPO 74/2557 everyone must declare being in the Kingdom (R7)."""
    return regime_on(timezone.localtime(meeting.starts_at).date()).everyone_in_kingdom


def _in_kingdom(meeting: Meeting, ticked: bool) -> bool | None:
    if ticked:
        return True
    return False if _is_legacy(meeting) else None


# --- the identity check (แสดงตน; Decree s.9(1), MDES 2563 process 1, R13-R16) ---------


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    user = _user(request)
    factor = account_selectors.effective_second_factor(user=user)
    needs_code = not account_selectors.has_fresh_second_factor(
        user=user, within=timedelta(minutes=settings.IDENTITY_CHECK_FRESH_MINUTES)
    )
    form = IdentityCheckForm(
        request.POST or None,
        meeting=meeting,
        needs_code=needs_code,
        needs_kingdom=_is_legacy(meeting),
    )
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request) or None
        user_agent = request.META.get("HTTP_USER_AGENT", "")
        try:
            if needs_code:
                account_services.verify_second_factor(
                    user=user,
                    method=factor.value,  # type: ignore[arg-type]
                    code=form.cleaned_data["code"],
                    ip_address=ip_address,
                    user_agent=user_agent,
                )
            services.check_identity(
                meeting=meeting,
                user=user,
                location=form.cleaned_data["location"],
                device_ok=form.cleaned_data["device_ok"],
                in_kingdom=_in_kingdom(
                    meeting, bool(form.cleaned_data.get("in_kingdom"))
                ),
                ip_address=ip_address,
                user_agent=user_agent,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your identity is confirmed for this meeting."))
            return redirect("attendance:room", pk=meeting.pk)
    demo_message = None
    if needs_code and factor == SecondFactor.EMAIL and not settings.EMAIL_URL:
        demo_message = account_selectors.latest_outbox_login_code(user=user)
    return render(
        request,
        "attendance/check.html",
        {
            "meeting": meeting,
            "form": form,
            "factor": factor.value,
            "needs_code": needs_code,
            "fresh_minutes": settings.IDENTITY_CHECK_FRESH_MINUTES,
            "demo_mode": not settings.EMAIL_URL,
            "demo_message": demo_message,
            "enterable": meeting.status in ENTERABLE,
            "already_in": selectors.may_enter(meeting=meeting, user=user),
            "labels": _check_labels(),
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_POST
def send_code(request: HttpRequest, pk: Any) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    user = _user(request)
    if account_selectors.effective_second_factor(user=user) != SecondFactor.EMAIL:
        messages.error(request, _("This account does not use codes sent by e-mail."))
    else:
        try:
            account_services.send_email_code(user=user)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("A new code has been sent to your e-mail address.")
            )
    return redirect("attendance:check", pk=meeting.pk)


def _check_labels() -> dict[str, str]:
    return {
        "no_media": _(
            "This browser cannot use a microphone here (a secure page is needed)."
        ),
        "refused": _("The microphone could not be used: %(reason)s"),
        "listening": _("Speak: the meter should move. A test tone is playing."),
    }


# --- the room ---------------------------------------------------------------------


@never_cache
@login_required
def room(request: HttpRequest, pk: Any) -> HttpResponse:
    """The room's frame; its state arrives over the socket, after the identity check."""
    meeting = _meeting_for(request, pk)
    user = _user(request)
    if not selectors.may_enter(meeting=meeting, user=user):
        if selectors.current_check(
            meeting=meeting, user=user, item=selectors.current_item(meeting=meeting)
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
            "legacy": _is_legacy(meeting),
            "hybrid": meeting.mode == MeetingMode.HYBRID,
            "incident_placeholder": PLACEHOLDER,
            "drafts": _draft_polls(meeting, user),
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
        "voting": _("voting"),
        "you": _("you"),
        "secret": _("Secret"),
        "sent": _("Done."),
        "not_sent": _("The connection was lost before the answer came back."),
        "handled": _("Handled"),
        "record_handling": _("Record handling"),
        "handling_label": _("How it was handled"),
        "no_incidents": _("No incidents."),
        "check_again": _("Confirm your identity again"),
        "choose": _("— choose —"),
        "vote": _vote_labels(),
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


# --- the console over HTTP (same services as the socket; R18, R23) -------------------


def _member(meeting: Meeting, user_id: Any) -> User:
    """A person on this meeting's roster, or 404."""
    return get_object_or_404(
        User, pk=user_id, memberships__committee_id=meeting.committee_id
    )


def _item(meeting: Meeting, item_id: Any) -> AgendaItem:
    return get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)


def _console(
    request: HttpRequest,
    pk: Any,
    form_class: type[Form] | None,
    action: Callable[[Meeting, User, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate, call the service, tell the outcome as a message, back to the room."""
    meeting = _meeting_for(request, pk)
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
        action(meeting, _user(request), data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("attendance:room", pk=meeting.pk)


@login_required
@require_POST
def open_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        ReasonForm,
        lambda m, u, d: services.open_meeting(
            actor=u, meeting=m, without_quorum_reason=d["reason"]
        ),
        _("The meeting is open."),
    )


@login_required
@require_POST
def suspend_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        ReasonForm,
        lambda m, u, d: services.suspend_meeting(
            actor=u, meeting=m, reason=d["reason"]
        ),
        _("The meeting is suspended."),
    )


@login_required
@require_POST
def resume_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        None,
        lambda m, u, d: services.resume_meeting(actor=u, meeting=m),
        _("The meeting is resumed."),
    )


@login_required
@require_POST
def close_meeting(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        None,
        lambda m, u, d: services.close_meeting(actor=u, meeting=m),
        _("The meeting is closed."),
    )


@login_required
@require_POST
def set_item(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        ItemForm,
        lambda m, u, d: services.set_current_item(
            actor=u, meeting=m, item=_item(m, d["item"])
        ),
        _("The current agenda item is set."),
    )


@login_required
@require_POST
def give_floor(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        UserForm,
        lambda m, u, d: services.give_floor(
            actor=u, meeting=m, user=_member(m, d["user"])
        ),
        _("The floor is given."),
    )


@login_required
@require_POST
def end_floor(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        None,
        lambda m, u, d: services.end_floor(actor=u, meeting=m),
        _("The floor is ended."),
    )


@login_required
@require_POST
def remove_participant(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        RemoveForm,
        lambda m, u, d: services.remove_participant(
            actor=u, meeting=m, user=_member(m, d["user"]), reason=d["reason"]
        ),
        _("The participant is removed from the meeting."),
    )


@login_required
@require_POST
def readmit_participant(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        UserForm,
        lambda m, u, d: services.readmit_participant(
            actor=u, meeting=m, user=_member(m, d["user"])
        ),
        _("The participant may rejoin the meeting."),
    )


@login_required
@require_POST
def admit_invitee(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        AdmitForm,
        lambda m, u, d: services.admit_invitee(
            actor=u, meeting=m, user=_member(m, d["user"]), item=_item(m, d["item"])
        ),
        _("The invitee is admitted for the agenda item."),
    )


@login_required
@require_POST
def vouch(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        VouchForm,
        lambda m, u, d: services.vouch_identity(
            actor=u,
            meeting=m,
            user=_member(m, d["user"]),
            location=d["location"],
            in_kingdom=_in_kingdom(m, d["in_kingdom"]),
            note=d["note"],
        ),
        _("Your vouching for the participant is recorded."),
    )


@login_required
@require_POST
def sign_in(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        UserForm,
        lambda m, u, d: services.sign_in_at_room(
            actor=u, meeting=m, user=_member(m, d["user"])
        ),
        _("The participant is signed in at the meeting room."),
    )


@login_required
@require_POST
def report_incident(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        ReportForm,
        lambda m, u, d: services.report_incident(
            actor=u, meeting=m, description=d["description"]
        ),
        _("Your report is recorded; the chair sees it now."),
    )


@login_required
@require_POST
def handle_incident(request: HttpRequest, pk: Any, incident_pk: Any) -> HttpResponse:
    def act(m: Meeting, u: User, d: dict[str, Any]) -> Incident:
        incident = get_object_or_404(Incident, pk=incident_pk, meeting=m)
        return services.handle_incident(
            actor=u, incident=incident, handling=d["handling"]
        )

    return _console(request, pk, HandleForm, act, _("The handling is recorded."))


# --- votes over HTTP (the same voting services as the socket; R26-R29, R52) ----------


def _poll(meeting: Meeting, poll_id: Any) -> Poll:
    """A poll of this meeting, or 404."""
    try:
        poll_uuid = UUID(str(poll_id))
    except ValueError:
        raise Http404 from None
    poll = voting_selectors.get_poll(poll_id=poll_uuid)
    if poll is None or poll.meeting_id != meeting.pk:
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
    return _console(
        request,
        pk,
        PollCreateForm,
        lambda m, u, d: polls.create_poll(
            actor=u,
            item=_item(m, d["item"]),
            kind=d["kind"],
            question=d["question"],
            options=d["options"],
            max_choices=d["max_choices"] or 1,
            secret=d["secret"],
        ),
        _("The vote is prepared; open it when the meeting is ready to vote."),
    )


@login_required
@require_POST
def open_poll(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        PollReasonForm,
        lambda m, u, d: polls.open_poll(
            actor=u, poll=_poll(m, d["poll"]), without_quorum_reason=d["reason"]
        ),
        _("The vote is open."),
    )


@login_required
@require_POST
def close_poll(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        PollReasonForm,
        lambda m, u, d: polls.close_poll(
            actor=u, poll=_poll(m, d["poll"]), without_quorum_reason=d["reason"]
        ),
        _("The vote is closed."),
    )


@login_required
@require_POST
def cast_ballot(request: HttpRequest, pk: Any) -> HttpResponse:
    """The message never repeats the choice: a page must not prove a secret vote."""

    def act(m: Meeting, u: User, d: dict[str, Any]) -> object:
        poll = _poll(m, request.POST.get("poll"))
        return ballots.cast_ballot(voter=u, poll=poll, choice=_choice(request, poll))

    return _console(request, pk, None, act, _("Your ballot is cast."))


@login_required
@require_POST
def casting_vote(request: HttpRequest, pk: Any) -> HttpResponse:
    def act(m: Meeting, u: User, d: dict[str, Any]) -> object:
        poll = _poll(m, request.POST.get("poll"))
        return polls.cast_deciding_vote(
            actor=u, poll=poll, choice=_choice(request, poll)
        )

    return _console(request, pk, None, act, _("The casting vote is recorded."))


@login_required
@require_POST
def record_resolution(request: HttpRequest, pk: Any) -> HttpResponse:
    def act(m: Meeting, u: User, d: dict[str, Any]) -> object:
        item = _item(m, d["item"])
        poll = _poll(m, d["poll"]) if d["poll"] else None
        return item_record.record_resolution(
            actor=u, item=item, text=d["text"], poll=poll
        )

    return _console(request, pk, ResolutionForm, act, _("The resolution is recorded."))


@login_required
@require_POST
def record_dissent(request: HttpRequest, pk: Any) -> HttpResponse:
    return _console(
        request,
        pk,
        DissentForm,
        lambda m, u, d: item_record.record_dissent(
            actor=u,
            item=_item(m, d["item"]),
            member=_member(m, d["member"]),
            opinion=d["opinion"],
        ),
        _("The dissenting opinion is recorded."),
    )


def _draft_polls(meeting: Meeting, user: User) -> list[dict[str, Any]]:
    """Prepared, unopened votes on the current item, for the console after a reload."""
    item = selectors.current_item(meeting=meeting)
    if item is None or not policies.can_run_console(user=user, meeting=meeting):
        return []
    return [
        voting_selectors.poll_dict(p)
        for p in voting_selectors.list_polls(item=item).filter(status=PollStatus.DRAFT)
    ]
