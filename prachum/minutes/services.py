"""Drafting, editing, approving and correcting the minutes (R48-R55).

Versions are never overwritten: every edit is a new draft version; an approved version
is locked, and a correction after approval is a new version again (R54). Each step is
recorded in the meeting's evidence chain with the version's SHA-256.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prachum.accounts.models import SecondFactorVerification
from prachum.committees.models import Membership, Role
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.domain.agenda import MINUTES_APPROVAL_SECTION
from prachum.evidence.pdf_signing import sign_pdf
from prachum.evidence.sealing import seal_chain
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.minutes import policies, selectors
from prachum.minutes.approval_block import approval_block
from prachum.minutes.error_codes import MinutesError
from prachum.minutes.events import MinutesEvent
from prachum.minutes.models import (
    ApprovalMethod,
    MinutesApproval,
    MinutesStatus,
    MinutesVersion,
)
from prachum.minutes.pdf import render_minutes_pdf

TEXT_MAX = 20_000


def _lock_meeting(meeting: Meeting) -> Meeting:
    """Versions of one meeting's minutes are numbered under this lock."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _next_number(meeting: Meeting) -> int:
    last = (
        MinutesVersion.objects.filter(meeting=meeting)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (last or 0) + 1


def _save_version(
    *,
    actor: Actor,
    meeting: Meeting,
    content: dict[str, Any],
    kind: MinutesEvent,
    **extra: Any,
) -> MinutesVersion:
    version = MinutesVersion.objects.create(
        meeting=meeting,
        version=_next_number(meeting),
        content=content,
        sha256=selectors.content_sha256(content),
        status=MinutesStatus.DRAFT,
        created_by=actor,
        created_at=timezone.now(),
    )
    append_event(
        chain_key=meeting.chain_key,
        kind=kind,
        actor=actor,
        payload={
            "minutes": str(version.pk),
            "version": version.version,
            "sha256": version.sha256,
            **extra,
        },
    )
    return version


def _require_editor(actor: Actor, meeting: Meeting) -> None:
    if not policies.can_edit_minutes(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the secretary may draft or edit the minutes."),
        )


def _clean(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ServiceError(MinutesError.BAD_TEXT, _("Enter text."), field=field)
    text = value.replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX:
        raise ServiceError(
            MinutesError.TEXT_TOO_LONG, _("The text is too long."), field=field
        )
    return text


def _apply_edits(
    content: dict[str, Any],
    discussions: Mapping[str, str],
    absent_reasons: Mapping[str, str],
) -> dict[str, Any]:
    """Only the secretary's prose changes; the record's facts stay as generated."""
    edited = copy.deepcopy(content)
    items = {i["item"]: i for i in edited["items"]}
    for item_id, text in discussions.items():
        if item_id not in items:
            raise ServiceError(
                MinutesError.UNKNOWN_ITEM,
                _("That agenda item is not in these minutes."),
            )
        items[item_id]["discussion"] = _clean(text, f"discussion_{item_id}")
    absent = {a["user"]: a for a in edited["absent"]}
    for user_id, reason in absent_reasons.items():
        if user_id not in absent:
            raise ServiceError(
                MinutesError.UNKNOWN_ABSENTEE, _("That person is not listed as absent.")
            )
        absent[user_id]["reason"] = _clean(reason, f"reason_{user_id}")
    return edited


def draft_minutes(*, actor: Actor, meeting: Meeting) -> MinutesVersion:
    """Generate the minutes from the record of a closed meeting (R48, R49)."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_editor(actor, meeting)
        if meeting.status != MeetingStatus.CLOSED:
            raise ServiceError(
                CoreError.MEETING_NOT_CLOSED,
                _("Minutes are drafted from the record of a closed meeting."),
            )
        if MinutesVersion.objects.filter(
            meeting=meeting, status=MinutesStatus.APPROVED
        ).exists():
            raise ServiceError(
                MinutesError.MINUTES_APPROVED,
                _("The minutes are approved; make a correction instead."),
            )
        content = selectors.minutes_content(meeting=meeting)
        return _save_version(
            actor=actor,
            meeting=meeting,
            content=content,
            kind=MinutesEvent.MINUTES_DRAFTED,
        )


def _require_latest(version: MinutesVersion) -> None:
    latest = selectors.latest_version(meeting=version.meeting)
    if latest is None or latest.pk != version.pk:
        raise ServiceError(
            MinutesError.STALE_VERSION,
            _("A newer version of the minutes exists; edit that one."),
        )


def edit_minutes(
    *,
    actor: Actor,
    version: MinutesVersion,
    discussions: Mapping[str, str] | None = None,
    absent_reasons: Mapping[str, str] | None = None,
) -> MinutesVersion:
    """Save the secretary's prose as a new draft version; an approved one is refused."""
    with transaction.atomic():
        meeting = _lock_meeting(version.meeting)
        _require_editor(actor, meeting)
        version = MinutesVersion.objects.get(pk=version.pk)
        if version.is_locked:
            raise ServiceError(
                MinutesError.MINUTES_LOCKED,
                _("Approved minutes cannot be edited; make a correction instead."),
            )
        _require_latest(version)
        content = _apply_edits(version.content, discussions or {}, absent_reasons or {})
        return _save_version(
            actor=actor,
            meeting=meeting,
            content=content,
            kind=MinutesEvent.MINUTES_EDITED,
            previous=version.version,
        )


def correct_minutes(
    *,
    actor: Actor,
    version: MinutesVersion,
    discussions: Mapping[str, str] | None = None,
    absent_reasons: Mapping[str, str] | None = None,
) -> MinutesVersion:
    """Correct approved minutes: a new draft version; the approved one stays (R54)."""
    with transaction.atomic():
        meeting = _lock_meeting(version.meeting)
        _require_editor(actor, meeting)
        version = MinutesVersion.objects.get(pk=version.pk)
        if not version.is_locked:
            raise ServiceError(
                MinutesError.MINUTES_NOT_APPROVED,
                _("Only approved minutes are corrected; edit the draft instead."),
            )
        _require_latest(version)
        content = _apply_edits(version.content, discussions or {}, absent_reasons or {})
        return _save_version(
            actor=actor,
            meeting=meeting,
            content=content,
            kind=MinutesEvent.MINUTES_CORRECTED,
            corrects=version.version,
            corrects_sha256=version.sha256,
        )


def _check_method(
    meeting: Meeting, method: str, at_meeting: Meeting | None
) -> Meeting | None:
    if method not in ApprovalMethod.values:
        raise ServiceError(
            MinutesError.BAD_METHOD,
            _("Choose how the minutes were approved."),
            field="method",
        )
    if method == ApprovalMethod.NEXT_MEETING:
        if (
            at_meeting is None
            or at_meeting.committee_id != meeting.committee_id
            or at_meeting.starts_at <= meeting.starts_at
        ):
            raise ServiceError(
                MinutesError.BAD_APPROVING_MEETING,
                _("Name the later meeting of the same body that approved the minutes."),
                field="at_meeting",
            )
        return at_meeting
    if method == ApprovalMethod.SAME_MEETING:
        return meeting
    return None


def _approval_item(at_meeting: Meeting | None) -> str | None:
    """Agenda item 2 (รับรองรายงานการประชุม) of the approving meeting, if any."""
    if at_meeting is None:
        return None
    item = (
        at_meeting.agenda_items.filter(parent=None, is_removed=False)
        .order_by("position")[MINUTES_APPROVAL_SECTION : MINUTES_APPROVAL_SECTION + 1]
        .first()
    )
    return str(item.pk) if item else None


def _auth_method(actor: Actor) -> str:

    last = SecondFactorVerification.objects.filter(user=actor).order_by("-at").first()
    return f"password+{last.method}" if last else "password"


def record_minutes_approval(
    *,
    actor: Actor,
    version: MinutesVersion,
    method: str,
    at_meeting: Meeting | None = None,
) -> MinutesApproval:
    """A voting member approves a draft version: at the same or the next meeting, or by
    circulation. Each approver is recorded with method and time (R54, R55)."""
    with transaction.atomic():
        meeting = _lock_meeting(version.meeting)
        if not policies.can_approve_minutes(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED, _("Only voting members approve the minutes.")
            )
        version = MinutesVersion.objects.get(pk=version.pk)
        if version.is_locked:
            raise ServiceError(
                MinutesError.MINUTES_LOCKED, _("These minutes are already approved.")
            )
        _require_latest(version)
        at_meeting = _check_method(meeting, method, at_meeting)
        if MinutesApproval.objects.filter(version=version, approver=actor).exists():
            raise ServiceError(
                MinutesError.ALREADY_APPROVED,
                _("You have already approved this version."),
            )
        approval = MinutesApproval.objects.create(
            version=version,
            approver=actor,
            method=method,
            at_meeting=at_meeting,
            auth_method=_auth_method(actor),
            at=timezone.now(),
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MinutesEvent.MINUTES_APPROVAL_RECORDED,
            actor=actor,
            payload={
                "minutes": str(version.pk),
                "version": version.version,
                "sha256": version.sha256,
                "method": method,
                "at_meeting": str(at_meeting.pk) if at_meeting else None,
                "agenda_item": _approval_item(at_meeting),
                "auth_method": approval.auth_method,
            },
        )
    return approval


def approve_minutes(
    *,
    actor: Actor,
    version: MinutesVersion,
    method: str,
    at_meeting: Meeting | None = None,
) -> MinutesVersion:
    """The chair finalises: the version is locked and its SHA-256 goes into the
    meeting's evidence chain (R54, R55). The chair's own approval is recorded too."""
    with transaction.atomic():
        meeting = _lock_meeting(version.meeting)
        if not policies.can_finalise_minutes(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED, _("Only the chair finalises the minutes.")
            )
        version = MinutesVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_locked:
            raise ServiceError(
                MinutesError.MINUTES_LOCKED, _("These minutes are already approved.")
            )
        _require_latest(version)
        at_meeting = _check_method(meeting, method, at_meeting)
        if selectors.content_sha256(version.content) != version.sha256:
            raise ServiceError(
                MinutesError.MINUTES_ALTERED,
                _("The stored minutes do not match their hash."),
            )
        now = timezone.now()
        if not MinutesApproval.objects.filter(version=version, approver=actor).exists():
            MinutesApproval.objects.create(
                version=version,
                approver=actor,
                method=method,
                at_meeting=at_meeting,
                auth_method=_auth_method(actor),
                at=now,
            )
        version.status = MinutesStatus.APPROVED
        version.approved_at = now
        version.approved_by = actor
        version.approval_method = method
        version.approved_at_meeting = at_meeting
        version.save(
            update_fields=[
                "status",
                "approved_at",
                "approved_by",
                "approval_method",
                "approved_at_meeting",
            ]
        )
        # The approved rendering, signed once (ADR 0022); its hash goes into the event.
        with translation.override("th"):
            reason = gettext("Approved minutes, version %(version)s") % {
                "version": version.version
            }
        version.signed_pdf = sign_pdf(
            render_minutes_pdf(version.content, approval_block(version=version)),
            reason=reason,
        )
        version.save(update_fields=["signed_pdf"])
        approvers = [
            str(a)
            for a in MinutesApproval.objects.filter(version=version)
            .order_by("at")
            .values_list("approver_id", flat=True)
        ]
        append_event(
            chain_key=meeting.chain_key,
            kind=MinutesEvent.MINUTES_APPROVED,
            actor=actor,
            payload={
                "minutes": str(version.pk),
                "version": version.version,
                "sha256": version.sha256,
                "method": method,
                "at_meeting": str(at_meeting.pk) if at_meeting else None,
                "agenda_item": _approval_item(at_meeting),
                "approvers": approvers,
                "pdf_sha256": hashlib.sha256(version.signed_pdf).hexdigest(),
            },
        )
        # The approved minutes join the signed, time-stamped record (ADR 0021).
        seal_chain(chain_key=meeting.chain_key, actor=actor)
    return version


def designate_presiding(
    *, actor: Actor, meeting: Meeting, user: Any, reason: str = ""
) -> None:
    """Record who presided in the chair's absence (APA s.81 as the body's law applies:
    the vice-chair, else a member the members present elect; R58).

    The record is an evidence event; the minutes name the presiding member and the
    allowance list pays them the chair's rate. A later designation replaces an earlier
    one until the minutes are approved.
    """

    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if not policies.can_edit_minutes(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED, _("Only the secretary may record who presided.")
            )
        if meeting.status not in {
            MeetingStatus.OPEN,
            MeetingStatus.SUSPENDED,
            MeetingStatus.CLOSED,
        }:
            raise ServiceError(
                MinutesError.MEETING_NOT_HELD, _("The meeting has not been opened.")
            )
        if MinutesVersion.objects.filter(
            meeting=meeting, status=MinutesStatus.APPROVED
        ).exists():
            raise ServiceError(
                MinutesError.MINUTES_APPROVED,
                _("The minutes are approved; make a correction instead."),
            )
        membership = Membership.objects.filter(
            committee=meeting.committee, user=user, is_voting=True
        ).first()
        if membership is None:
            raise ServiceError(
                CoreError.NOT_A_MEMBER,
                _("Only a voting member of the committee can preside."),
                field="user",
            )
        if not selectors.attended(meeting=meeting, user_id=user.pk):
            raise ServiceError(
                MinutesError.NOT_PRESENT,
                _("The person presiding must have attended the meeting."),
                field="user",
            )
        append_event(
            chain_key=meeting.chain_key,
            kind=selectors.PRESIDING_DESIGNATED,
            actor=actor,
            payload={
                "user": str(user.pk),
                "role": membership.role,
                "chair_absent": membership.role != Role.CHAIR,
                "reason": _clean(reason, "reason"),
            },
        )
