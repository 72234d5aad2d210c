"""The agency's public key, and building/downloading a meeting's evidence package."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prachum.archive import services as archive_services
from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.core.actors import actor_of
from prachum.core.downloads import protect_download
from prachum.core.errors import ServiceError
from prachum.core.web import client_ip
from prachum.evidence import keys, services
from prachum.evidence.models import EvidencePackage
from prachum.meetings.models import Meeting

PACKAGE_ROLES = {Role.CHAIR, *SECRETARIAT_ROLES}


def _meeting_for_package(request: HttpRequest, pk: str) -> Meeting:
    meeting = get_object_or_404(Meeting, pk=pk)
    if role_in(user=request.user, committee=meeting.committee) not in PACKAGE_ROLES:
        raise Http404
    return meeting


@login_required
def public_key(request: HttpRequest) -> HttpResponse:
    if request.GET.get("download"):
        response = HttpResponse(
            keys.verify_key_pem(), content_type="application/x-pem-file"
        )
        return protect_download(response, filename="prachum-agency-ed25519.pub.pem")
    return render(
        request,
        "evidence/public_key.html",
        {
            "fingerprint": keys.verify_key_fingerprint(),
            "pem": keys.verify_key_pem().decode(),
        },
    )


@login_required
@require_POST
def request_package(request: HttpRequest, pk: str) -> HttpResponse:
    meeting = _meeting_for_package(request, pk)
    try:
        archive_services.request_package(actor=actor_of(request), meeting=meeting)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("meetings:evidence", pk=meeting.pk)
    messages.success(request, _("The evidence package is being built."))
    return redirect("meetings:evidence", pk=meeting.pk)


@login_required
def package_status(request: HttpRequest, pk: str, package_pk: str) -> JsonResponse:
    meeting = _meeting_for_package(request, pk)
    package = get_object_or_404(EvidencePackage, pk=package_pk, subject_id=meeting.pk)
    return JsonResponse(
        {
            "status": package.status,
            "progress": package.progress,
            "step": package.step,
            # What the page shows: the status in words, not the build step's code.
            "label": package_label(package),
        }
    )


def package_label(package: EvidencePackage) -> str:
    """ "กำลังจัดทำ (45%)" while building, else the status alone ("พร้อมดาวน์โหลด")."""
    if package.status == EvidencePackage.Status.BUILDING:
        return f"{package.get_status_display()} ({package.progress}%)"
    return str(package.get_status_display())


@login_required
def package_download(request: HttpRequest, pk: str, package_pk: str) -> FileResponse:
    meeting = _meeting_for_package(request, pk)
    package = get_object_or_404(
        EvidencePackage,
        pk=package_pk,
        subject_id=meeting.pk,
        status=EvidencePackage.Status.READY,
    )
    services.record_package_download(
        actor=actor_of(request), package=package, ip_address=client_ip(request)
    )
    name = (
        f"evidence-{meeting.number}-{meeting.buddhist_year}-{str(package.pk)[:8]}.zip"
    )
    return protect_download(
        FileResponse(open(package.path, "rb"), content_type="application/zip"),
        filename=name,
    )
