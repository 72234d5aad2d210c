"""A meeting's life before it is held: its number, deleting a draft, the follow-up of a
meeting adjourned for want of quorum (R53; APA s.79 para 2; ADR 0015).

Postponing and cancelling send a letter, so they live in ``notices.changes``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees.models import Committee
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.text import clean_text
from prachum.domain.quorum import ItemContext
from prachum.evidence.services import append_event
from prachum.meetings import policies
from prachum.meetings.error_codes import MeetingError
from prachum.meetings.events import MeetingEvent
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.meetings.services import schedule_meeting

# Where a meeting adjourned for want of quorum may stand when its follow-up is made:
# never opened after its noticed time, or opened and closed, or cancelled.
ADJOURNABLE = {MeetingStatus.NOTIFIED, MeetingStatus.CLOSED, MeetingStatus.CANCELLED}


def give_number(meeting: Meeting) -> int:
    """Give ``meeting`` (locked by the caller) its ``n/<BE year>`` if it has none (R53).

    Called by the first notice; the committee row lock makes two notices sent at once
    take different numbers. Deleted drafts never had one, so they leave no hole.
    """
    if meeting.number is not None:
        return meeting.number
    Committee.objects.select_for_update().get(pk=meeting.committee_id)
    last = Meeting.all_objects.filter(
        committee_id=meeting.committee_id, buddhist_year=meeting.buddhist_year
    ).aggregate(n=Max("number"))["n"]
    meeting.number = (last or 0) + 1
    Meeting.all_objects.filter(pk=meeting.pk).update(
        number=meeting.number, updated_at=timezone.now()
    )
    return meeting.number


def delete_draft(*, actor: Actor, meeting: Meeting, reason: str = "") -> None:
    """Delete a draft that was never noticed: gone from every list, kept in the record.

    The row stays (``deleted_at``) with its evidence chain, which is append-only.
    """
    reason = clean_text(reason, field="reason", required=False, max_length=2000)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not policies.can_prepare_meeting(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.NOT_ALLOWED,
                _("Only the committee's secretary may delete this meeting."),
            )
        if meeting.status != MeetingStatus.DRAFT or meeting.number is not None:
            raise ServiceError(
                MeetingError.NOT_A_DRAFT,
                _(
                    "Only a draft whose notice was never sent can be deleted. "
                    "Postpone or cancel a meeting that was noticed."
                ),
            )
        meeting.deleted_at = timezone.now()
        Meeting.all_objects.filter(pk=meeting.pk).update(
            deleted_at=meeting.deleted_at, updated_at=meeting.deleted_at
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.MEETING_DELETED,
            actor=actor,
            payload={"meeting": str(meeting.pk), "reason": reason},
        )


def schedule_follow_up(
    *,
    actor: Actor,
    adjourned: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    venue: str | None = None,
) -> Meeting:
    """A new draft meeting that follows up ``adjourned`` (no quorum; APA s.79 para 2).

    Its notice says so (``notices.services.build_letter``), and its live quorum is
    computed with the engine's adjourned-matter rule (:func:`adjourned_context`).
    """
    adjourned = Meeting.objects.select_related("committee").get(pk=adjourned.pk)
    if adjourned.status not in ADJOURNABLE or (
        adjourned.status == MeetingStatus.NOTIFIED
        and adjourned.starts_at > timezone.now()
    ):
        raise ServiceError(
            MeetingError.BAD_ADJOURNED,
            _(
                "Only a meeting that was noticed and not held for want of quorum can be followed up."
            ),
        )
    if (
        timezone.is_aware(starts_at)
        and timezone.localtime(starts_at).date()
        < timezone.localtime(adjourned.held_at).date()
    ):
        raise ServiceError(
            MeetingError.BAD_ADJOURNED,
            _("The follow-up meeting must be after the adjourned one."),
            field="starts_at",
        )
    return schedule_meeting(
        actor=actor,
        committee=adjourned.committee,
        title=adjourned.title,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=adjourned.mode,
        venue=adjourned.venue if venue is None else venue,
        is_secret=adjourned.is_secret,
        adjourned_from=adjourned,
    )


def adjourned_context(
    *, meeting: Meeting, item: ItemContext | None
) -> ItemContext | None:
    """``item`` with the adjournment facts of ``meeting``'s ``adjourned_from`` link.

    APA s.79 para 2: the engine decides whether the reduced quorum applies (14 days,
    the notice saying so, not a dispute body). The notice of a follow-up always says
    that it follows an adjourned meeting, so a sent notice states it.
    """
    adjourned = meeting.adjourned_from
    if adjourned is None:
        return item
    adjourned_on = timezone.localtime(adjourned.held_at).date()
    held_on = max(timezone.localtime(meeting.held_at).date(), adjourned_on)
    return dataclasses.replace(
        item or ItemContext(),
        adjourned_for_no_quorum=True,
        adjourned_on=adjourned_on,
        rescheduled_on=held_on,
        notice_stated_adjourned=meeting.status != MeetingStatus.DRAFT,
    )
