"""Reads of identity checks, connections (traffic data) and attendance intervals.

The live room's own reads (the roster, the quorum, the snapshot) are in
:mod:`prachum.room.snapshot`; they are computed from these.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from prachum.attendance.models import (
    ROOM_CHANNEL,
    Admission,
    CheckMethod,
    Connection,
    LocationKind,
    Removal,
)
from prachum.attendance.models import IdentityCheck as Check
from prachum.meetings.models import AgendaItem, Meeting


def needs_two_factors(*, meeting: Meeting, item: AgendaItem | None) -> bool:
    """A secret meeting or a secret item requires two factors for everyone identified
    electronically (R15); a person signed in at the room is identified by presence."""
    return meeting.is_secret or (item is not None and item.is_secret)


# What a check must be under a secret meeting or item (R15, R43-R45): two factors for
# an electronic identity, or seen at the meeting room and signed in by the secretary
# (Decree ss.6, 10 treat the room and the electronic channel alike; ADR 0016).
SECRET_CHECK = Q(method=CheckMethod.SECOND_FACTOR, factors__gte=2) | Q(
    method=CheckMethod.ROOM_SIGN_IN
)


def current_check(
    *, meeting: Meeting, user: Any, item: AgendaItem | None = None
) -> Check | None:
    """The identity check a person's presence rests on now, or ``None``.

    The newest unrevoked check counts; under a secret meeting or item it must be a
    two-factor check (R15). A removed person who has not been readmitted has none.
    """
    if Removal.objects.filter(
        meeting=meeting, user=user, readmitted_at__isnull=True
    ).exists():
        return None
    checks = Check.objects.filter(meeting=meeting, user=user, revoked_at__isnull=True)
    if needs_two_factors(meeting=meeting, item=item):
        checks = checks.filter(SECRET_CHECK)
    return checks.order_by("-at").first()


class CheckFacts(NamedTuple):
    """What the roster and the quorum need of a person's current check."""

    method: str
    in_kingdom: bool | None
    room: str


def check_facts(*, meeting: Meeting, item: AgendaItem | None) -> dict[str, CheckFacts]:
    """Per person, the newest unrevoked check that counts under ``item`` (as
    :func:`current_check`, for everyone at once), as plain values (cheap at 1,000)."""
    removed = set(
        Removal.objects.filter(meeting=meeting, readmitted_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    checks = Check.objects.filter(meeting=meeting, revoked_at__isnull=True)
    if needs_two_factors(meeting=meeting, item=item):
        checks = checks.filter(SECRET_CHECK)
    newest: dict[str, CheckFacts] = {}
    for user_id, method, in_kingdom, room in checks.order_by("at").values_list(
        "user_id", "method", "in_kingdom", "room"
    ):
        if user_id not in removed:
            newest[str(user_id)] = CheckFacts(method, in_kingdom, room)
    return newest


def online(*, meeting: Meeting, user_id: Any = None) -> dict[str, str]:
    """Who is connected now and the mode of their first open connection."""
    return connections_by_person(meeting=meeting, user_id=user_id)[0]


def connections_by_person(
    *, meeting: Meeting, user_id: Any = None
) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """:func:`online`, and the ids of everyone's open connections (one query).

    A person present at the meeting room is ``in_room`` whatever else they have open
    (a device as well: they count once, as in the room)."""
    rows = open_connections(meeting=meeting).order_by("connected_at")
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    online: dict[str, str] = {}
    ids: dict[str, list[Any]] = {}
    for pk, uid, mode in rows.values_list("pk", "user_id", "mode"):
        key = str(uid)
        if mode == LocationKind.IN_ROOM:
            online[key] = mode
        else:
            online.setdefault(key, mode)
        ids.setdefault(key, []).append(pk)
    return online, ids


def room_presences(*, meeting_id: Any) -> QuerySet[Connection]:
    """Open presences at the meeting room (signed in by the secretary, R8)."""
    return Connection.objects.filter(
        meeting_id=meeting_id, channel_name=ROOM_CHANNEL, disconnected_at__isnull=True
    )


def in_room_ids(*, meeting_id: Any) -> set[str]:
    """Ids (text) of the people signed in at the meeting room now."""
    return {
        str(u)
        for u in room_presences(meeting_id=meeting_id).values_list("user_id", flat=True)
    }


def open_connections(*, meeting: Meeting) -> QuerySet[Connection]:
    return Connection.objects.filter(meeting=meeting, disconnected_at__isnull=True)


def is_admitted(*, meeting: Meeting, user: Any, item: AgendaItem | None) -> bool:
    """Invitees are in the room only for the item they were admitted for."""
    if item is None:
        return False
    return Admission.objects.filter(meeting=meeting, user=user, item=item).exists()


def attendance_intervals(*, meeting: Meeting) -> list[dict[str, Any]]:
    """Per person: each connection's interval, in order, marking reconnections."""
    rows: list[dict[str, Any]] = []
    last_end: dict[Any, Any] = {}
    for c in Connection.objects.filter(meeting=meeting).order_by("connected_at"):
        rows.append(
            {
                "user": str(c.user_id),
                "connection": str(c.id),
                "mode": c.mode,
                "channel": "room" if c.channel_name == ROOM_CHANNEL else "device",
                "signed_in_by": str(c.signed_in_by_id) if c.signed_in_by_id else None,
                "signed_out_by": str(c.signed_out_by_id)
                if c.signed_out_by_id
                else None,
                "identity_check": str(c.identity_check_id),
                "auth_method": c.auth_method,
                "joined_at": c.connected_at.isoformat(),
                "left_at": c.disconnected_at.isoformat() if c.disconnected_at else None,
                "reason": c.disconnect_reason,
                "reconnect": c.user_id in last_end,
            }
        )
        last_end[c.user_id] = c.disconnected_at
    return rows
