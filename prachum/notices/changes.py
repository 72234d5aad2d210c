"""Postponing and cancelling a noticed meeting, each with a new letter to everyone
noticed (APA s.80; ADR 0015). Earlier notices stay as they were sent."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees.services import ensure_in_scope
from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.core.text import clean_text
from prachum.domain.thai_dates import format_thai_date, format_thai_time, meeting_number
from prachum.evidence.services import append_event
from prachum.letters.invitation import InvitationLetter
from prachum.meetings.error_codes import MeetingError
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus
from prachum.notices.addressing import Signer, resolve_signer
from prachum.notices.error_codes import NoticeError
from prachum.notices.events import NoticeEvent
from prachum.notices.models import Notice, NoticeKind, Signatory
from prachum.notices.services import (
    build_letter,
    check_notice_period,
    issue_notice,
    lock_for_notice,
    noticed_users,
    place_text,
)
from prachum.room.lifecycle import require_transition, transition


@dataclasses.dataclass(frozen=True)
class Held:
    """When and where a notice said the meeting would be held."""

    starts_at: datetime
    ends_at: datetime
    place: str


def _held(meeting: Meeting) -> Held:
    return Held(meeting.starts_at, meeting.ends_at, place_text(meeting))


def _when(held: Held, digits: bool) -> str:
    return (
        f"ในวันที่ {format_thai_date(held.starts_at, thai_digits=digits)} "
        f"เวลา {format_thai_time(held.starts_at, thai_digits=digits)} "
        f"ถึง {format_thai_time(held.ends_at, thai_digits=digits)} ณ {held.place}"
    )


def _opening(meeting: Meeting, before: Held, digits: bool) -> tuple[str, str]:
    """ "ตามที่ ... ได้กำหนดการประชุม ... นั้น" and the meeting's name with its number."""
    assert meeting.number is not None, "a noticed meeting has its number"
    name = f"การประชุม{meeting.title.removeprefix('การประชุม')} ครั้งที่ " + meeting_number(
        meeting.number, meeting.buddhist_year, thai_digits=digits
    )
    committee = meeting.committee.name
    return f"ตามที่{committee} ได้กำหนด{name} {_when(before, digits)} นั้น", name


def postponement_letter(
    *,
    meeting: Meeting,
    number: str,
    signer: Signer,
    sent_on: Any,
    before: Held,
    reason: str,
) -> InvitationLetter:
    """The invitation at the new time, opening with the old one (เลื่อนการประชุม)."""
    letter = build_letter(
        meeting=meeting, number=number, signer=signer, sent_on=sent_on
    )
    digits = meeting.committee.agency.thai_digits
    opening, name = _opening(meeting, before, digits)
    moved = f"เนื่องจาก{reason} จึงขอเลื่อน{name} เป็น{_when(_held(meeting), digits)}"
    return dataclasses.replace(
        letter,
        subject=f"เลื่อน{name}",
        body_paragraphs=(opening, moved, *letter.body_paragraphs[1:]),
    )


def cancellation_letter(
    *, meeting: Meeting, number: str, signer: Signer, sent_on: Any, reason: str
) -> InvitationLetter:
    """The cancellation (ยกเลิกการประชุม) with its reason; no enclosures."""
    letter = build_letter(
        meeting=meeting, number=number, signer=signer, sent_on=sent_on
    )
    digits = meeting.committee.agency.thai_digits
    opening, name = _opening(meeting, _held(meeting), digits)
    return dataclasses.replace(
        letter,
        subject=f"ยกเลิก{name}",
        body_paragraphs=(
            opening,
            f"เนื่องจาก{reason} จึงขอยกเลิก{name} ดังกล่าว",
            "จึงเรียนมาเพื่อโปรดทราบ",
        ),
        enclosures=(),
        urgency=None,
    )


def _last_notice(meeting: Meeting) -> Notice:
    notice = meeting.notices.order_by("-sent_at", "-created_at").first()
    if notice is None:
        raise ServiceError(
            NoticeError.NOT_NOTICED, _("No notice of this meeting was sent yet.")
        )
    return notice


def reschedule_meeting(
    *,
    actor: Actor,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    venue: str | None = None,
    reason: str,
    signatory: str = Signatory.SECRETARY_FOR_CHAIR,
) -> Notice:
    """Postpone (or move) a noticed meeting: new date, time and/or venue, and a new
    notice to everyone, under the notice period of APA s.80 (or the chair's urgent
    reason, ``meetings.services.mark_urgent``). The earlier notices stay on record."""
    reason = clean_text(reason, field="reason", max_length=2000)
    now = timezone.now()
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ServiceError(
            MeetingError.NAIVE_DATETIME,
            _("Give the time with its time zone."),
            field="starts_at",
        )
    if ends_at <= starts_at:
        raise ServiceError(
            MeetingError.ENDS_BEFORE_START,
            _("The meeting must end after it starts."),
            field="ends_at",
        )
    with transaction.atomic():
        meeting = lock_for_notice(actor=actor, meeting=meeting)
        if meeting.status != MeetingStatus.NOTIFIED:
            raise ServiceError(
                NoticeError.NOT_NOTICED,
                _(
                    "Only a meeting whose notice was sent and that has not opened can be rescheduled."
                ),
            )
        venue = meeting.venue if venue is None else venue
        venue = clean_text(venue, field="venue", required=False, max_length=300)
        if meeting.mode in {MeetingMode.IN_ROOM, MeetingMode.HYBRID} and not venue:
            raise ServiceError(
                MeetingError.VENUE_REQUIRED, _("Name the meeting room."), field="venue"
            )
        if (starts_at, ends_at, venue) == (
            meeting.starts_at,
            meeting.ends_at,
            meeting.venue,
        ):
            raise ServiceError(
                NoticeError.NOTHING_CHANGED,
                _("Give a new date, time or meeting room."),
                field="starts_at",
            )
        ensure_in_scope(
            category=meeting.committee.category,
            on=timezone.localtime(starts_at).date(),
        )
        before = _held(meeting)
        previous = _last_notice(meeting)
        recipients = None  # everyone on the roster and everyone noticed before
        meeting.starts_at, meeting.ends_at, meeting.venue = starts_at, ends_at, venue
        decision = check_notice_period(meeting=meeting, now=now)
        signer = resolve_signer(meeting=meeting, choice=signatory, sender=actor)
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=starts_at, ends_at=ends_at, venue=venue, updated_at=now
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=NoticeEvent.MEETING_RESCHEDULED,
            actor=actor,
            payload={
                "reason": reason,
                "before": {
                    "starts_at": before.starts_at.isoformat(),
                    "ends_at": before.ends_at.isoformat(),
                    "place": before.place,
                },
                "after": {
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "venue": venue,
                },
            },
        )
        notice = issue_notice(
            actor=actor,
            meeting=meeting,
            decision=decision,
            now=now,
            kind=NoticeKind.POSTPONEMENT,
            recipients=recipients,
            supersedes=previous,
            reason=reason,
            previous_starts_at=before.starts_at,
            signer=signer,
            build=lambda number: postponement_letter(
                meeting=meeting,
                number=number,
                signer=signer,
                sent_on=now,
                before=before,
                reason=reason,
            ),
        )
        transition(meeting, "notify")
    return notice


def cancel_meeting(
    *,
    actor: Actor,
    meeting: Meeting,
    reason: str,
    signatory: str = Signatory.SECRETARY_FOR_CHAIR,
) -> Notice:
    """Cancel a noticed meeting: a cancellation letter to everyone noticed, with the
    reason; the meeting can no longer open."""
    reason = clean_text(reason, field="reason", max_length=2000)
    now = timezone.now()
    with transaction.atomic():
        meeting = lock_for_notice(actor=actor, meeting=meeting)
        require_transition(meeting, "cancel")
        previous = _last_notice(meeting)
        signer = resolve_signer(meeting=meeting, choice=signatory, sender=actor)
        append_event(
            chain_key=meeting.chain_key,
            kind=NoticeEvent.MEETING_CANCELLED,
            actor=actor,
            payload={"reason": reason},
        )
        notice = issue_notice(
            actor=actor,
            meeting=meeting,
            decision=None,
            now=now,
            kind=NoticeKind.CANCELLATION,
            recipients=noticed_users(meeting),
            supersedes=previous,
            reason=reason,
            signer=signer,
            build=lambda number: cancellation_letter(
                meeting=meeting,
                number=number,
                signer=signer,
                sent_on=now,
                reason=reason,
            ),
        )
        transition(meeting, "cancel")
    return notice
