from __future__ import annotations

import posixpath
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from prachum.attendance.identity import ENTERABLE
from prachum.attendance.sip_access import dial_in_for
from prachum.committees import policies as committee_policies
from prachum.committees.models import Committee
from prachum.committees.policies import role_in
from prachum.core.actors import actor_of
from prachum.core.downloads import protect_download, safe_filename
from prachum.core.errors import ServiceError
from prachum.core.web import add_service_error, client_ip
from prachum.evidence.models import EvidencePackage
from prachum.evidence.selectors import check_chain, list_events
from prachum.evidence.views import PACKAGE_ROLES
from prachum.meetings import policies, selectors, services, upload_checks
from prachum.meetings.enclosures import set_document_enclosure
from prachum.meetings.file_views import home_context, meeting_file
from prachum.meetings.forms import AgendaItemForm, DocumentForm, MeetingForm, UrgentForm
from prachum.meetings.lookups import get_meeting_for
from prachum.meetings.models import (
    MEETING_OVER,
    AgendaItem,
    Document,
    DocumentVersion,
    Meeting,
)
from prachum.minutes.selectors import with_minutes_state
from prachum.notices import recovery as notice_recovery
from prachum.notices import selectors as notice_selectors
from prachum.notices import services as notice_services
from prachum.notices.forms import SignatoryForm
from prachum.notices.models import Notice


def _meeting_for(request: HttpRequest, pk: str) -> Meeting:
    return get_meeting_for(actor_of(request), pk)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "meetings/home.html",
        {
            "meetings": with_minutes_state(
                selectors.list_meetings_for(user=request.user)
            ),
            "managed": selectors.list_managed_committees(user=request.user),
            **home_context(user=request.user),
        },
    )


@login_required
def meeting_create(request: HttpRequest, committee_pk: str) -> HttpResponse:
    committee = get_object_or_404(Committee, pk=committee_pk)
    if not committee_policies.can_manage_committee(
        user=request.user, committee=committee
    ):
        raise Http404
    start = timezone.localtime() + timedelta(days=7)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    form = MeetingForm(
        request.POST or None,
        initial={
            "title": committee.name,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(
                actor=actor_of(request), committee=committee, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Meeting scheduled with the standard agenda."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request, "meetings/create.html", {"form": form, "committee": committee}
    )


@login_required
def meeting_detail(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    return _render_detail(request, meeting)


def _render_detail(
    request: HttpRequest,
    meeting: Meeting,
    *,
    item_form: AgendaItemForm | None = None,
    document_form: DocumentForm | None = None,
    urgent_form: UrgentForm | None = None,
    signatory_form: SignatoryForm | None = None,
    notice_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    can_prepare = policies.can_prepare_meeting(user=request.user, meeting=meeting)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "agenda": selectors.numbered_agenda(meeting=meeting),
            "documents": selectors.list_documents(meeting=meeting),
            "notices": Notice.objects.filter(meeting=meeting)
            .prefetch_related("messages__recipient")
            .order_by("-sent_at"),
            "can_prepare": can_prepare,
            "notice_failed": notice_selectors.failed_message_count(meeting=meeting),
            # The agenda, the documents and the notice are fixed once the meeting is
            # over: their forms are not offered (the services refuse them too).
            "can_edit_papers": can_prepare and meeting.status not in MEETING_OVER,
            "is_chair": policies.can_decide_as_chair(
                user=request.user, meeting=meeting
            ),
            "item_form": item_form or AgendaItemForm(meeting=meeting),
            "document_form": document_form or DocumentForm(meeting=meeting),
            "urgent_form": urgent_form or UrgentForm(),
            "signatory_form": signatory_form or SignatoryForm(),
            "notice_error": notice_error,
            "chain": check_chain(chain_key=meeting.chain_key),
            "file": meeting_file(user=request.user, meeting=meeting),
            # By telephone or room system: the address, the code and this person's
            # own PIN, only while the meeting can be entered (issue 17).
            "dial_in": dial_in_for(meeting, request.user)
            if meeting.status in ENTERABLE
            else None,
        },
        status=status,
    )


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    form = AgendaItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.add_agenda_item(
                actor=actor_of(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Agenda item added."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _render_detail(request, meeting, item_form=form, status=400)


@login_required
@require_POST
def agenda_edit(request: HttpRequest, pk: str, item_pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    try:
        services.update_agenda_item(
            actor=actor_of(request),
            item=item,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            is_secret=request.POST.get("is_secret") == "on",
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Agenda item saved."))
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_POST
def agenda_remove(request: HttpRequest, pk: str, item_pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    try:
        services.remove_agenda_item(actor=actor_of(request), item=item)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Agenda item withdrawn."))
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    form = DocumentForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        try:
            services.upload_document(
                actor=actor_of(request),
                meeting=meeting,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                agenda_item=form.cleaned_data["agenda_item"],
                is_enclosure=form.cleaned_data["is_enclosure"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _render_detail(request, meeting, document_form=form, status=400)


@login_required
@require_POST
def document_enclosure(request: HttpRequest, pk: str, document_pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    document = get_object_or_404(Document, pk=document_pk, meeting=meeting)
    try:
        set_document_enclosure(
            actor=actor_of(request),
            document=document,
            is_enclosure=request.POST.get("is_enclosure") == "on",
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Enclosures of the notice saved."))
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
def document_download(request: HttpRequest, version_pk: int) -> FileResponse:
    version = get_object_or_404(
        DocumentVersion.objects.select_related("document__meeting"), pk=version_pk
    )
    try:
        services.record_document_read(
            actor=actor_of(request), version=version, ip_address=client_ip(request)
        )
    except ServiceError:
        raise Http404 from None
    response = FileResponse(version.file.open("rb"), content_type=version.content_type)
    stem = posixpath.splitext(safe_filename(version.original_name))[0]
    suffix = upload_checks.EXTENSIONS.get(version.content_type, ("",))[0]
    return protect_download(response, filename=f"{stem or version.sha256[:12]}{suffix}")


@login_required
@require_POST
def decide_electronic(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    try:
        services.record_electronic_decision(actor=actor_of(request), meeting=meeting)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Your decision to meet electronically is recorded.")
        )
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_POST
def mark_urgent(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    form = UrgentForm(request.POST)
    if form.is_valid():
        try:
            services.mark_urgent(
                actor=actor_of(request),
                meeting=meeting,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The meeting is marked urgent."))
            return redirect("meetings:detail", pk=meeting.pk)
    return _render_detail(request, meeting, urgent_form=form, status=400)


@login_required
@require_POST
def send_notice(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    form = SignatoryForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request,
            meeting,
            signatory_form=form,
            notice_error=_("Choose who signs the letter."),
            status=400,
        )
    try:
        notice = notice_services.send_notice(
            actor=actor_of(request),
            meeting=meeting,
            signatory=form.cleaned_data["signatory"],
        )
    except ServiceError as exc:
        return _render_detail(
            request,
            meeting,
            signatory_form=form,
            notice_error=str(exc.message),
            status=400,
        )
    messages.success(
        request,
        _("Notice %(number)s sent to %(n)d participants.")
        % {"number": notice.letter_number, "n": notice.messages.count()},
    )
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_POST
def retry_notice_delivery(request: HttpRequest, pk: str) -> HttpResponse:
    """The secretary sends again the notice mail that failed (same bytes, same Message-ID)."""
    meeting = _meeting_for(request, pk)
    try:
        queued = notice_recovery.retry_failed_delivery(
            actor=actor_of(request), meeting=meeting
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d message queued to be sent again.",
                "%(n)d messages queued to be sent again.",
                queued,
            )
            % {"n": queued},
        )
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#notice")


@login_required
def notice_letter(request: HttpRequest, pk: str, notice_pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    notice = get_object_or_404(Notice, pk=notice_pk, meeting=meeting)
    response = HttpResponse(bytes(notice.letter_pdf), content_type="application/pdf")
    return protect_download(
        response, filename=f"notice-{meeting.number or 0}-{meeting.buddhist_year}.pdf"
    )


@login_required
def evidence(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for(request, pk)

    can_package = (
        role_in(user=request.user, committee=meeting.committee) in PACKAGE_ROLES
    )
    return render(
        request,
        "meetings/evidence.html",
        {
            "meeting": meeting,
            "events": list_events(chain_key=meeting.chain_key),
            "chain": check_chain(chain_key=meeting.chain_key),
            "can_package": can_package,
            "packages": EvidencePackage.objects.filter(subject_id=meeting.pk)
            if can_package
            else [],
        },
    )
