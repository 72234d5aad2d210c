"""One read of the live room (:class:`RoomFacts`), and who may be in it now.

A service that needs several answers about the room (the roster before and after a
change, who may stay, the quorum) reads the room once (four queries, whatever its
size) and derives the rest in memory, inside its transaction (issue 4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings

from prachum.attendance.absence import absence_reasons
from prachum.attendance.models import Admission, RoomState
from prachum.attendance.selectors import (
    CheckFacts,
    check_facts,
    connections_by_person,
    current_check,
    is_admitted,
    needs_two_factors,
)
from prachum.committees.models import Membership, Role
from prachum.media.presence import audio_up_users
from prachum.media.services import live_media_room
from prachum.meetings.models import AgendaItem, Meeting

_ROSTER_FIELDS = (
    "user_id",
    "role",
    "is_voting",
    "user__title",
    "user__full_name",
    "user__username",
)


class RoomFacts(NamedTuple):
    """One read of what the roster, presence and quorum are computed from.

    A service that needs several of them (the roster before and after a change, who
    may stay, the quorum) reads the room once (four queries, whatever its size) and
    derives the rest in memory, inside its transaction.
    """

    item: AgendaItem | None
    roster: list[tuple[Any, ...]]  # ``_ROSTER_FIELDS``, in roster order
    online: dict[str, str]  # person -> mode of the first open connection
    connection_ids: dict[str, list[Any]]  # person -> open connections
    checks: dict[str, CheckFacts]  # person -> current check for ``item``
    # whose audio reaches the meeting, when presence requires it (R16); else None
    audio: set[str] | None = None
    # members withdrawn from ``item`` (APA ss.13-16): out of its quorum base (R21, R30)
    recused: frozenset[str] = frozenset()
    # members who recorded leave (ลาประชุม) for this meeting
    on_leave: frozenset[str] = frozenset()

    def for_item(self, *, meeting: Meeting, item: AgendaItem | None) -> RoomFacts:
        """The same room under another agenda item (its checks re-read only when the
        item changes what a check must be, R15)."""
        same = needs_two_factors(meeting=meeting, item=item) == needs_two_factors(
            meeting=meeting, item=self.item
        )
        checks = self.checks if same else check_facts(meeting=meeting, item=item)
        return self._replace(item=item, checks=checks, recused=withdrawn_from(item))

    def without(self, user_ids: set[str]) -> RoomFacts:
        """The room after everyone in ``user_ids`` has been disconnected."""
        return self._replace(
            online={u: m for u, m in self.online.items() if u not in user_ids},
            connection_ids={
                u: c for u, c in self.connection_ids.items() if u not in user_ids
            },
        )


_CURRENT: Any = object()


def room_facts(*, meeting: Meeting, item: Any = _CURRENT) -> RoomFacts:
    """Read :class:`RoomFacts` for ``item`` (default: the room's current item)."""
    if item is _CURRENT:
        item = current_item(meeting=meeting)
    roster = list(
        Membership.objects.filter(committee_id=meeting.committee_id)
        .order_by("position_order", "role", "user_id")
        .values_list(*_ROSTER_FIELDS)
    )
    online, connection_ids = connections_by_person(meeting=meeting)
    return RoomFacts(
        item=item,
        roster=roster,
        online=online,
        connection_ids=connection_ids,
        checks=check_facts(meeting=meeting, item=item),
        audio=media_audio_up(meeting=meeting),
        recused=withdrawn_from(item),
        on_leave=frozenset(absence_reasons(meeting=meeting)),
    )


# Who is withdrawn from an agenda item (recusals, upheld challenges) is voting's record;
# voting registers its reader in ``VotingConfig.ready()`` (the room does not import it).
_withdrawals: list[Callable[[AgendaItem], frozenset[str]]] = []


def register_withdrawals(reader: Callable[[AgendaItem], frozenset[str]]) -> None:
    """``reader(item)`` gives the ids of the members withdrawn from ``item``."""
    if reader not in _withdrawals:
        _withdrawals.append(reader)


def withdrawn_from(item: AgendaItem | None) -> frozenset[str]:
    if item is None:
        return frozenset()
    return frozenset().union(*(reader(item) for reader in _withdrawals))


def media_audio_up(*, meeting: Meeting) -> set[str] | None:
    """Whose audio reaches the meeting now, when presence requires it (R16); else None."""
    if not (
        settings.MEDIA_PRESENCE_ENFORCED and meeting.committee.presence_requires_audio
    ):
        return None
    if live_media_room(meeting_id=meeting.pk) is None:
        return None  # no media room yet (before opening): nobody could have audio
    return audio_up_users(meeting_id=meeting.pk)


def current_item(*, meeting: Meeting) -> AgendaItem | None:
    room = (
        RoomState.objects.filter(meeting=meeting).select_related("current_item").first()
    )
    return room.current_item if room else None


def may_enter(*, meeting: Meeting, user: Any) -> bool:
    """Passed the identity check and, for an invitee, admitted for the current item."""
    item = current_item(meeting=meeting)
    if current_check(meeting=meeting, user=user, item=item) is None:
        return False
    membership = Membership.objects.filter(
        committee=meeting.committee, user=user
    ).first()
    if membership is None:
        return False
    if membership.role == Role.INVITEE:
        return is_admitted(meeting=meeting, user=user, item=item)
    return True


def allowed_for_item(
    *, meeting: Meeting, item: AgendaItem | None, facts: RoomFacts | None = None
) -> set[str]:
    """:func:`may_enter` for everyone at once, for ``item``: the ids of those who may
    be in the room (a fixed number of queries, whatever the size of the roster).
    ``facts``, when given, must have been read for ``item``."""
    if facts is None:
        facts = room_facts(meeting=meeting, item=item)
    admitted = (
        {
            str(uid)
            for uid in Admission.objects.filter(meeting=meeting, item=item).values_list(
                "user_id", flat=True
            )
        }
        if item is not None
        else set()
    )
    allowed = set()
    for user_id, role, *_ in facts.roster:
        uid = str(user_id)
        if uid in facts.checks and (role != Role.INVITEE or uid in admitted):
            allowed.add(uid)
    return allowed


def get_room(*, meeting: Meeting) -> RoomState:
    room, _ = RoomState.objects.get_or_create(meeting=meeting)
    return room
