"""Reads for a member's own dissent (APA s.83; R52): on which items they may record it.

A member records their own dissenting opinion on a resolution of an item they attended:
one with a resolution recorded, from which they did not withdraw, and for which they
were present (on the frozen list of a vote on the item, or identified for the meeting
as the item requires). The write is :func:`prachum.voting.item_record.record_dissent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prachum.attendance.selectors import current_check
from prachum.committees.models import Membership
from prachum.meetings.models import AgendaItem, Meeting
from prachum.meetings.selectors import numbered_agenda
from prachum.voting.models import Dissent, EligibleVoter, Recusal, Resolution


def attended_item(*, item: AgendaItem, member: Any) -> bool:
    """Was ``member`` at the meeting for ``item`` (and not withdrawn from it)?"""
    if Recusal.objects.filter(item=item, member=member).exists():
        return False
    if EligibleVoter.objects.filter(poll__item=item, voter=member).exists():
        return True
    return current_check(meeting=item.meeting, user=member, item=item) is not None


def has_resolution(item: AgendaItem) -> bool:
    return Resolution.objects.filter(item=item).exists()


@dataclass(frozen=True)
class DissentChoice:
    """An item on which the member may record their dissent, with what they recorded."""

    number: str
    item: AgendaItem
    resolution: str
    mine: list[str]


def own_dissent_items(*, meeting: Meeting, member: Any) -> list[DissentChoice]:
    """The items of ``meeting`` on which ``member`` may record their own dissent."""
    if not Membership.objects.filter(
        committee=meeting.committee, user=member, is_voting=True
    ).exists():
        return []
    out = []
    for row in numbered_agenda(meeting=meeting):
        resolution = Resolution.objects.filter(item=row.item).order_by("-at").first()
        if resolution is None or not attended_item(item=row.item, member=member):
            continue
        mine = list(
            Dissent.objects.filter(item=row.item, member=member)
            .order_by("at")
            .values_list("opinion", flat=True)
        )
        out.append(DissentChoice(row.number, row.item, resolution.text, mine))
    return out
