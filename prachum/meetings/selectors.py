from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from prachum.committees.models import SECRETARIAT_ROLES, Committee
from prachum.domain.agenda import item_numbers
from prachum.meetings.models import AgendaItem, Document, Meeting, MeetingStatus

# Noticed and not yet over: the meetings a person still has to attend.
UPCOMING = (MeetingStatus.NOTIFIED, MeetingStatus.OPEN, MeetingStatus.SUSPENDED)


@dataclass(frozen=True)
class NumberedItem:
    number: str
    item: AgendaItem
    depth: int


def list_meetings_for(*, user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(committee__memberships__user=user)
        .select_related("committee", "room")
        .distinct()
        .order_by("-starts_at")
    )


def list_managed_committees(*, user: Any) -> QuerySet[Committee]:
    return Committee.objects.filter(
        memberships__user=user,
        memberships__role__in=SECRETARIAT_ROLES,
    ).distinct()


def numbered_agenda(*, meeting: Meeting) -> list[NumberedItem]:
    """The agenda in reading order with its numbers (วาระที่ 1, 4.1, ...)."""
    items = list(meeting.agenda_items.filter(is_removed=False).order_by("position"))
    top = [i for i in items if i.parent_id is None]
    ordered: list[AgendaItem] = []
    parents: list[int | None] = []
    for parent in top:
        parent_index = len(ordered)
        ordered.append(parent)
        parents.append(None)
        for child in (i for i in items if i.parent_id == parent.pk):
            ordered.append(child)
            parents.append(parent_index)
    numbers = item_numbers(parents)
    return [
        NumberedItem(number, item, 0 if item.parent_id is None else 1)
        for number, item in zip(numbers, ordered, strict=True)
    ]


def list_documents(*, meeting: Meeting) -> QuerySet[Document]:
    return (
        meeting.documents.select_related("agenda_item")
        .prefetch_related("versions")
        .order_by("created_at")
    )


def upcoming_meetings_for(*, user: Any) -> QuerySet[Meeting]:
    """The user's next meetings: noticed, not yet over, soonest first."""
    return (
        list_meetings_for(user=user).filter(status__in=UPCOMING).order_by("starts_at")
    )
