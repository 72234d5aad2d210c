"""Leave of absence (ลาประชุม): a member, or the secretariat for them, records that
they will not attend a meeting and why, before or during it; withdrawn if they come
after all. The minutes list absentees with these reasons (Saraban reg. 2526 cl.25(6)).

Each change is one evidence event in the meeting's chain, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.error_codes import AttendanceError
from prachum.attendance.events import AttendanceEvent
from prachum.attendance.models import Absence
from prachum.committees.models import SECRETARIAT_ROLES, Role
from prachum.committees.policies import role_in
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.text import clean_text
from prachum.evidence.services import append_event
from prachum.meetings.models import MEETING_OVER, Meeting, MeetingStatus

REASON_MAX = 500
KEEPERS = frozenset({Role.CHAIR, *SECRETARIAT_ROLES})


def can_record_absence(*, user: Any, meeting: Meeting, member: Any) -> bool:
    """A member for themselves; the chair or the secretariat for anyone on the roster."""
    role = role_in(user=user, committee=meeting.committee)
    if role is None:
        return False
    return role in KEEPERS or (member is not None and user.pk == member.pk)


def standing_absences(*, meeting: Meeting) -> QuerySet[Absence]:
    """The leave recorded for this meeting and not withdrawn, oldest first."""
    return (
        Absence.objects.filter(meeting=meeting, withdrawn_at__isnull=True)
        .select_related("member", "recorded_by")
        .order_by("at")
    )


def absence_reasons(*, meeting: Meeting) -> dict[str, str]:
    """Member id -> reason, for the minutes' list of absentees."""
    return {str(a.member_id): a.reason for a in standing_absences(meeting=meeting)}


def _require(actor: Actor, meeting: Meeting, member: Any) -> None:
    if not can_record_absence(user=actor, meeting=meeting, member=member):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _(
                "A member records their own leave; the chair or the secretary may record it for them."
            ),
        )


def record_absence(
    *, actor: Actor, meeting: Meeting, member: Any, reason: str
) -> Absence:
    """Record ``member``'s leave from ``meeting`` with ``reason`` (required)."""
    text = clean_text(reason, field="reason", max_length=REASON_MAX)
    _require(actor, meeting, member)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status in MEETING_OVER:
            raise ServiceError(
                AttendanceError.ABSENCE_MEETING_OVER,
                _("The meeting is over: leave can no longer be recorded."),
            )
        membership_role = role_in(user=member, committee=meeting.committee)
        if membership_role is None or membership_role == Role.INVITEE:
            raise ServiceError(
                AttendanceError.ABSENCE_NOT_A_MEMBER,
                _("Only someone on the committee's roster can take leave."),
                field="member",
            )
        if Absence.objects.filter(
            meeting=meeting, member=member, withdrawn_at__isnull=True
        ).exists():
            raise ServiceError(
                AttendanceError.ABSENCE_ALREADY_RECORDED,
                _("Leave for this person is already recorded for this meeting."),
                field="member",
            )
        try:
            with transaction.atomic():
                absence = Absence.objects.create(
                    meeting=meeting,
                    member=member,
                    reason=text,
                    recorded_by=actor,
                    at=timezone.now(),
                )
        except IntegrityError:  # a concurrent request recorded it first
            raise ServiceError(
                AttendanceError.ABSENCE_ALREADY_RECORDED,
                _("Leave for this person is already recorded for this meeting."),
                field="member",
            ) from None
        append_event(
            chain_key=meeting.chain_key,
            kind=AttendanceEvent.ABSENCE_RECORDED,
            actor=actor,
            payload={
                "absence": str(absence.pk),
                "member": str(member.pk),
                "reason": text,
                "during_meeting": meeting.status
                in (MeetingStatus.OPEN, MeetingStatus.SUSPENDED),
            },
        )
    return absence


def withdraw_absence(*, actor: Actor, absence: Absence) -> Absence:
    """The member comes after all: the leave stays in the record, marked withdrawn."""
    _require(actor, absence.meeting, absence.member)
    with transaction.atomic():
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        if absence.withdrawn_at is not None:
            raise ServiceError(
                AttendanceError.ABSENCE_WITHDRAWN,
                _("This leave has already been withdrawn."),
            )
        absence.withdrawn_at = timezone.now()
        absence.withdrawn_by = actor
        absence.save(update_fields=["withdrawn_at", "withdrawn_by"])
        append_event(
            chain_key=absence.meeting.chain_key,
            kind=AttendanceEvent.ABSENCE_WITHDRAWN,
            actor=actor,
            payload={"absence": str(absence.pk), "member": str(absence.member_id)},
        )
    return absence
