"""Reading the live room: identity checks, presence, quorum and the versioned snapshot."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from prachum.attendance import policies
from prachum.attendance.models import (
    Admission,
    CheckMethod,
    Connection,
    Incident,
    Removal,
    RoomState,
)
from prachum.attendance.models import IdentityCheck as Check
from prachum.committees.models import Committee, Membership, Role
from prachum.domain.quorum import (
    ItemContext,
    Presence,
    QuorumRule,
    QuorumStatus,
    RosterEntry,
    quorum_status,
)
from prachum.domain.quorum import Role as DomainRole
from prachum.domain.regimes import regime_on
from prachum.meetings.models import AgendaItem, Meeting
from prachum.meetings.selectors import numbered_agenda


def room_group(meeting_id: Any) -> str:
    """Everyone in the room: versioned state events."""
    return f"meeting.{meeting_id}"


def console_group(meeting_id: Any) -> str:
    """The chair and the secretariat: incidents, live."""
    return f"meeting.{meeting_id}.console"


def user_group(meeting_id: Any, user_id: Any) -> str:
    """One person's connections to one meeting (to close them on removal)."""
    return f"meeting.{meeting_id}.user.{user_id}"


def needs_two_factors(*, meeting: Meeting, item: AgendaItem | None) -> bool:
    """A secret meeting or a secret item requires two factors for everyone (R15)."""
    return meeting.is_secret or (item is not None and item.is_secret)


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
        checks = checks.filter(method=CheckMethod.SECOND_FACTOR, factors__gte=2)
    return checks.order_by("-at").first()


class _CheckFacts(NamedTuple):
    """What the roster and the quorum need of a person's current check."""

    method: str
    in_kingdom: bool | None
    room: str


def _check_facts(
    *, meeting: Meeting, item: AgendaItem | None
) -> dict[str, _CheckFacts]:
    """Per person, the newest unrevoked check that counts under ``item`` (as
    :func:`current_check`, for everyone at once), as plain values (cheap at 1,000)."""
    removed = set(
        Removal.objects.filter(meeting=meeting, readmitted_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    checks = Check.objects.filter(meeting=meeting, revoked_at__isnull=True)
    if needs_two_factors(meeting=meeting, item=item):
        checks = checks.filter(method=CheckMethod.SECOND_FACTOR, factors__gte=2)
    newest: dict[str, _CheckFacts] = {}
    for user_id, method, in_kingdom, room in checks.order_by("at").values_list(
        "user_id", "method", "in_kingdom", "room"
    ):
        if user_id not in removed:
            newest[str(user_id)] = _CheckFacts(method, in_kingdom, room)
    return newest


def _online(*, meeting: Meeting, user_id: Any = None) -> dict[str, str]:
    """Who is connected now and the mode of their first open connection."""
    return _connections(meeting=meeting, user_id=user_id)[0]


def _connections(
    *, meeting: Meeting, user_id: Any = None
) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """:func:`_online`, and the ids of everyone's open connections (one query)."""
    rows = open_connections(meeting=meeting).order_by("connected_at")
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    online: dict[str, str] = {}
    ids: dict[str, list[Any]] = {}
    for pk, uid, mode in rows.values_list("pk", "user_id", "mode"):
        key = str(uid)
        online.setdefault(key, mode)
        ids.setdefault(key, []).append(pk)
    return online, ids


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
    checks: dict[str, _CheckFacts]  # person -> current check for ``item``

    def for_item(self, *, meeting: Meeting, item: AgendaItem | None) -> RoomFacts:
        """The same room under another agenda item (its checks re-read only when the
        item changes what a check must be, R15)."""
        same = needs_two_factors(meeting=meeting, item=item) == needs_two_factors(
            meeting=meeting, item=self.item
        )
        checks = self.checks if same else _check_facts(meeting=meeting, item=item)
        return self._replace(item=item, checks=checks)

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
    online, connection_ids = _connections(meeting=meeting)
    return RoomFacts(
        item=item,
        roster=roster,
        online=online,
        connection_ids=connection_ids,
        checks=_check_facts(meeting=meeting, item=item),
    )


def current_item(*, meeting: Meeting) -> AgendaItem | None:
    room = (
        RoomState.objects.filter(meeting=meeting).select_related("current_item").first()
    )
    return room.current_item if room else None


def is_admitted(*, meeting: Meeting, user: Any, item: AgendaItem | None) -> bool:
    """Invitees are in the room only for the item they were admitted for."""
    if item is None:
        return False
    return Admission.objects.filter(meeting=meeting, user=user, item=item).exists()


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


def open_connections(*, meeting: Meeting) -> QuerySet[Connection]:
    return Connection.objects.filter(meeting=meeting, disconnected_at__isnull=True)


def quorum_rule_for(committee: Committee) -> QuorumRule:
    return QuorumRule(
        kind=committee.quorum_kind,  # type: ignore[arg-type]
        fraction=committee.quorum_fraction,
        fixed_count=committee.quorum_fixed,
        substitutes_count=committee.substitutes_count,
        is_dispute_body=committee.is_dispute_body,
    )


def live_quorum(*, meeting: Meeting, facts: RoomFacts | None = None) -> QuorumStatus:
    """Quorum now: members identified and connected (Decree s.9(1), s.10; R22)."""
    if facts is None:
        facts = room_facts(meeting=meeting)
    return room_quorum(
        meeting=meeting, facts=facts, audio=media_audio_up(meeting=meeting)
    )


def room_quorum(
    *,
    meeting: Meeting,
    facts: RoomFacts,
    audio: set[str] | None,
    item: ItemContext | None = None,
) -> QuorumStatus:
    """The law engine's count over ``facts``: whose presence counts, with whose audio
    is up when presence requires it (``audio``; ``None``: not required), for one
    agenda item when ``item`` is given (recusals)."""
    roster = [
        RosterEntry(person_id=str(user_id), role=DomainRole(role), is_voting=is_voting)
        for user_id, role, is_voting, *_ in facts.roster
    ]
    presences = []
    for user_id, mode in facts.online.items():
        check = facts.checks.get(user_id)
        presences.append(
            Presence(
                person_id=user_id,
                mode="in_room" if mode == "in_room" else "remote",
                identified=check is not None,
                connected=True,
                # In the room, the room's own microphones carry the voice.
                audio_up=None
                if audio is None
                else mode == "in_room" or user_id in audio,
                in_kingdom=check.in_kingdom if check else None,
                room=check.room or None if check else None,
            )
        )
    regime = regime_on(timezone.localtime(meeting.starts_at).date())
    return quorum_status(
        roster=roster,
        presences=presences,
        rule=quorum_rule_for(meeting.committee),
        item=item,
        regime=regime,
        require_audio=audio is not None,
    )


def media_audio_up(*, meeting: Meeting) -> set[str] | None:
    """Whose audio reaches the meeting now, when presence requires it (R16); else None."""
    if not (
        settings.MEDIA_PRESENCE_ENFORCED and meeting.committee.presence_requires_audio
    ):
        return None
    from prachum.media.presence import audio_up_users
    from prachum.media.services import live_media_room

    if live_media_room(meeting_id=meeting.pk) is None:
        return None  # no media room yet (before opening): nobody could have audio
    return audio_up_users(meeting_id=meeting.pk)


def quorum_dict(status: QuorumStatus) -> dict[str, Any]:
    return {
        "required": status.required,
        "counted": status.counted,
        "eligible": status.eligible,
        "met": status.met,
        "reasons": [
            {"code": r.code, "clause": r.clause, "detail": r.detail}
            for r in status.reasons
        ],
    }


def _participant_row(
    fields: tuple[Any, ...], checks: dict[str, _CheckFacts], online: dict[str, str]
) -> dict[str, Any]:
    user_id, role, is_voting, title, full_name, username = fields
    uid = str(user_id)
    check = checks.get(uid)
    return {
        "id": uid,
        # as ``User.display_name``
        "name": f"{title}{full_name}".strip() or username,
        "role": role,
        "voting": is_voting,
        "identified": check is not None,
        "check_method": check.method if check else None,
        "connected": uid in online,
        "mode": online.get(uid),
    }


def participants(
    *, meeting: Meeting, facts: RoomFacts | None = None
) -> list[dict[str, Any]]:
    """Everyone on the roster with whether they are identified and connected now."""
    if facts is None:
        facts = room_facts(meeting=meeting)
    return [
        _participant_row(fields, facts.checks, facts.online) for fields in facts.roster
    ]


def participant(
    *, meeting: Meeting, user_id: Any, facts: RoomFacts | None = None
) -> dict[str, Any]:
    """One row of :func:`participants`, read for that person alone (or taken from
    ``facts`` when the caller has read the whole room anyway)."""
    if facts is not None:
        uid = str(user_id)
        for row in facts.roster:
            if str(row[0]) == uid:
                return _participant_row(row, facts.checks, facts.online)
        raise Membership.DoesNotExist(uid)
    item = current_item(meeting=meeting)
    fields = (
        Membership.objects.filter(committee_id=meeting.committee_id, user_id=user_id)
        .values_list(*_ROSTER_FIELDS)
        .get()
    )
    check = current_check(meeting=meeting, user=user_id, item=item)
    checks = (
        {str(user_id): _CheckFacts(check.method, check.in_kingdom, check.room)}
        if check is not None
        else {}
    )
    return _participant_row(fields, checks, _online(meeting=meeting, user_id=user_id))


def changed_participants(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of ``after`` that differ from (or are missing in) ``before``."""
    old = {row["id"]: row for row in before}
    return [row for row in after if old.get(row["id"]) != row]


def participants_patch(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> dict[str, Any]:
    """The patch section for a change of several rows: only what changed.

    Nothing when no row changed, ``participant`` when one did (the page replaces that
    row); the whole list only when several did or someone left the roster. A patch
    carrying all rows of a thousand people is ~180 kB for every socket.
    """
    changed = changed_participants(before, after)
    if len(after) < len(before) or len(changed) > 1:
        return {"participants": after}
    if changed:
        return {"participant": changed[0]}
    return {}


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": str(incident.id),
        "kind": incident.kind,
        "description": incident.description,
        "at": incident.at.isoformat(),
        "reported_by": str(incident.reported_by_id)
        if incident.reported_by_id
        else None,
        "subject": str(incident.subject_id) if incident.subject_id else None,
        "handled_at": incident.handled_at.isoformat() if incident.handled_at else None,
        "handling": incident.handling,
    }


def list_incidents(*, meeting: Meeting) -> QuerySet[Incident]:
    return Incident.objects.filter(meeting=meeting).order_by("at")


def floor_dict(room: RoomState) -> dict[str, Any]:
    return {
        "holder": str(room.floor_holder_id) if room.floor_holder_id else None,
        "hands": list(room.hands),
    }


def item_dict(room: RoomState) -> dict[str, Any] | None:
    if room.current_item_id is None:
        return None
    for row in numbered_agenda(meeting=room.meeting):
        if row.item.pk == room.current_item_id:
            return {
                "id": str(row.item.pk),
                "number": row.number,
                "title": row.item.title,
                "is_secret": row.item.is_secret,
            }
    return None


def get_room(*, meeting: Meeting) -> RoomState:
    room, _ = RoomState.objects.get_or_create(meeting=meeting)
    return room


# The roster and quorum sections of the snapshot, per process and per room version:
# a thousand people (re)joining at the same version share one computation, and a
# committed change made in this process moves the cached sections to its version by
# applying its patch, as every page does (``advance_cached_roster``), so a join storm
# (each join a new version) does not recompute the roster for every join. The age
# limit bounds how long a change made without a version bump (a roster edit) or in
# another process's patch can go unseen: the sections are recomputed from the
# database at least that often.
ROSTER_CACHE_SECONDS = 2.0
_ROSTER_CACHE_SIZE = 64
_roster_cache: dict[Any, tuple[tuple[Any, ...], float, dict[str, Any]]] = {}
_roster_lock = threading.Lock()


def _roster_sections(meeting: Meeting, room: RoomState) -> dict[str, Any]:
    key = (room.version, room.current_item_id)
    now = time.monotonic()
    with _roster_lock:
        hit = _roster_cache.get(meeting.pk)
    if hit is not None and hit[0] == key and now - hit[1] < ROSTER_CACHE_SECONDS:
        sections = hit[2]
    else:
        facts = room_facts(meeting=meeting, item=room.current_item)
        sections = {
            "participants": participants(meeting=meeting, facts=facts),
            "quorum": quorum_dict(live_quorum(meeting=meeting, facts=facts)),
        }
        with _roster_lock:
            if len(_roster_cache) >= _ROSTER_CACHE_SIZE:
                _roster_cache.clear()
            _roster_cache[meeting.pk] = (key, now, sections)
    # Copies: callers own what they get; the cached rows stay as computed.
    return {
        "participants": [dict(row) for row in sections["participants"]],
        "quorum": copy.deepcopy(sections["quorum"]),
    }


def advance_cached_roster(
    *, meeting_id: Any, version: int, current_item_id: Any, patch: dict[str, Any]
) -> None:
    """Apply a committed change's patch to this process's cached roster sections.

    Only from the version just before (anything else drops the entry: the next
    snapshot recomputes it). A row the cache does not have also drops it.
    """
    with _roster_lock:
        hit = _roster_cache.get(meeting_id)
        if hit is None:
            return
        (cached_version, _item), computed_at, sections = hit
        if cached_version != version - 1:
            _roster_cache.pop(meeting_id, None)
            return
        rows = sections["participants"]
        if "participants" in patch:
            rows = [dict(row) for row in patch["participants"]]
        if "participant" in patch:
            row = patch["participant"]
            index = next(
                (i for i, old in enumerate(rows) if old["id"] == row["id"]), None
            )
            if index is None:
                _roster_cache.pop(meeting_id, None)
                return
            rows = [*rows[:index], dict(row), *rows[index + 1 :]]
        quorum = (
            copy.deepcopy(patch["quorum"]) if "quorum" in patch else sections["quorum"]
        )
        _roster_cache[meeting_id] = (
            (version, current_item_id),
            computed_at,
            {"participants": rows, "quorum": quorum},
        )


def forget_cached_roster() -> None:
    """Drop this process's cached roster sections (tests, data changed by hand)."""
    with _roster_lock:
        _roster_cache.clear()


def room_snapshot(*, meeting: Meeting, user: Any) -> dict[str, Any]:
    """The whole room as one person may see it, with the version it reflects."""
    meeting = Meeting.objects.select_related("committee__agency").get(pk=meeting.pk)
    room = get_room(meeting=meeting)
    agenda = numbered_agenda(meeting=meeting)
    current = next((r for r in agenda if r.item.pk == room.current_item_id), None)
    console = policies.can_run_console(user=user, meeting=meeting)
    roster = _roster_sections(meeting, room)
    snapshot: dict[str, Any] = {
        "version": room.version,
        "meeting": {
            "id": str(meeting.pk),
            "title": meeting.title,
            "number": f"{meeting.number}/{meeting.buddhist_year}",
            "status": meeting.status,
            "is_secret": meeting.is_secret,
            "fallback_channel": meeting.committee.fallback_channel,
        },
        "agenda": [
            {
                "id": str(r.item.pk),
                "number": r.number,
                "title": r.item.title,
                "is_secret": r.item.is_secret,
            }
            for r in agenda
        ],
        "current_item": {
            "id": str(current.item.pk),
            "number": current.number,
            "title": current.item.title,
            "is_secret": current.item.is_secret,
        }
        if current is not None
        else None,
        "participants": roster["participants"],
        "quorum": roster["quorum"],
        "floor": floor_dict(room),
        "me": {"id": str(user.pk), "console": console},
        "server_time": timezone.now().isoformat(),
        "server_node": settings.SERVER_NODE,
    }
    # Lazy: the voting context reads the room's selectors.
    from prachum.voting import selectors as voting_selectors

    snapshot["poll"] = voting_selectors.poll_snapshot(meeting=meeting, user=user)
    if console:
        snapshot["incidents"] = [
            incident_dict(i) for i in list_incidents(meeting=meeting)
        ]
    return snapshot


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
