"""The room as one person sees it: roster rows, floor, current item, the snapshot.

The roster and quorum sections are cached per process and room version
(:mod:`prachum.room.roster_cache`); other contexts add their own section to the
snapshot with :func:`register_section` (voting adds the live poll).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from prachum.attendance import policies
from prachum.attendance.absence import absence_reasons
from prachum.attendance.models import RoomState
from prachum.attendance.selectors import (
    CheckFacts,
    connections_by_person,
    current_check,
)
from prachum.committees.models import Membership
from prachum.domain.quorum import Presence, RosterEntry, standing
from prachum.domain.quorum import Role as DomainRole
from prachum.meetings.models import Meeting
from prachum.meetings.selectors import numbered_agenda
from prachum.room import roster_cache
from prachum.room.facts import (
    _ROSTER_FIELDS,
    RoomFacts,
    current_item,
    get_room,
    media_audio_up,
    room_facts,
    withdrawn_from,
)
from prachum.room.incidents import incident_dict, list_incidents
from prachum.room.quorum import live_quorum, quorum_dict
from prachum.room.recording import recording_dict


def _participant_row(fields: tuple[Any, ...], facts: RoomFacts) -> dict[str, Any]:
    user_id, role, is_voting, title, full_name, username = fields
    uid = str(user_id)
    check = facts.checks.get(uid)
    mode = facts.online.get(uid)
    audio = facts.audio
    return {
        "id": uid,
        # as ``User.display_name``
        "name": f"{title}{full_name}".strip() or username,
        "role": role,
        "voting": is_voting,
        "identified": check is not None,
        "check_method": check.method if check else None,
        "connected": mode is not None,
        "mode": mode,
        # in by telephone or video room system (SIP, issue 17): their check is the PIN
        "by_phone": mode is not None
        and check is not None
        and check.method == "sip_pin",
        # why they count or not, in the law engine's words (issue 13 point 9)
        "standing": _standing(
            role,
            is_voting,
            check is not None,
            mode,
            None if audio is None else uid in audio,
            uid in facts.recused,
            uid in facts.on_leave,
        ),
    }


@functools.lru_cache(maxsize=1024)
def _standing(
    role: str,
    is_voting: bool,
    identified: bool,
    mode: str | None,
    audio_up: bool | None,
    recused: bool,
    on_leave: bool,
) -> str:
    """:func:`prachum.domain.quorum.standing` for one combination of a person's facts.

    The answer depends only on these values, and a room of a thousand has a handful
    of combinations: computed once each, not once per row and change."""
    presence = (
        None
        if not identified and mode is None
        else Presence(
            person_id="p",
            mode="in_room" if mode == "in_room" else "remote",
            identified=identified,
            connected=mode is not None,
            audio_up=audio_up,
        )
    )
    return standing(
        entry=RosterEntry(person_id="p", role=DomainRole(role), is_voting=is_voting),
        presence=presence,
        require_audio=audio_up is not None,
        recused=frozenset({"p"}) if recused else frozenset(),
        on_leave=on_leave,
    ).value


def participants(
    *, meeting: Meeting, facts: RoomFacts | None = None
) -> list[dict[str, Any]]:
    """Everyone on the roster with whether they are identified and connected now."""
    if facts is None:
        facts = room_facts(meeting=meeting)
    return [_participant_row(fields, facts) for fields in facts.roster]


def participant(
    *, meeting: Meeting, user_id: Any, facts: RoomFacts | None = None
) -> dict[str, Any]:
    """One row of :func:`participants`, read for that person alone (or taken from
    ``facts`` when the caller has read the whole room anyway)."""
    if facts is not None:
        uid = str(user_id)
        for row in facts.roster:
            if str(row[0]) == uid:
                return _participant_row(row, facts)
        raise Membership.DoesNotExist(uid)
    item = current_item(meeting=meeting)
    fields = (
        Membership.objects.filter(committee_id=meeting.committee_id, user_id=user_id)
        .values_list(*_ROSTER_FIELDS)
        .get()
    )
    check = current_check(meeting=meeting, user=user_id, item=item)
    checks = (
        {str(user_id): CheckFacts(check.method, check.in_kingdom, check.room)}
        if check is not None
        else {}
    )
    own, ids = connections_by_person(meeting=meeting, user_id=user_id)
    facts = RoomFacts(
        item=item,
        roster=[fields],
        online=own,
        connection_ids=ids,
        checks=checks,
        audio=media_audio_up(meeting=meeting),
        recused=withdrawn_from(item),
        on_leave=frozenset(absence_reasons(meeting=meeting)),
    )
    return _participant_row(fields, facts)


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


def _roster_sections(meeting: Meeting, room: RoomState) -> dict[str, Any]:
    key = (room.version, room.current_item_id)
    sections = roster_cache.cached_sections(meeting.pk, key)
    if sections is None:
        facts = room_facts(meeting=meeting, item=room.current_item)
        sections = {
            "participants": participants(meeting=meeting, facts=facts),
            "quorum": quorum_dict(live_quorum(meeting=meeting, facts=facts)),
        }
        roster_cache.store_sections(meeting.pk, key, sections)
    # Copies: callers own what they get; the cached rows stay as computed.
    return {
        "participants": [dict(row) for row in sections["participants"]],
        "quorum": copy.deepcopy(sections["quorum"]),
    }


# Sections other contexts add to the snapshot (name -> reader), in registration order.
# Voting registers "poll" in its AppConfig.ready(): voting builds on the room, the room
# does not import voting (docs/architecture.md, layers).
SnapshotSection = Callable[..., Any]
_sections: dict[str, SnapshotSection] = {}


def register_section(name: str, reader: SnapshotSection) -> None:
    """Add ``name`` to every snapshot: ``reader(meeting=..., user=...)`` gives its value."""
    _sections[name] = reader


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
            "number": meeting.number_label,
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
        # the recording indicator everyone sees (issue 14 point 7)
        "recording": recording_dict(meeting=meeting),
        "me": {"id": str(user.pk), "console": console},
        "server_time": timezone.now().isoformat(),
        "server_node": settings.SERVER_NODE,
    }
    for name, reader in _sections.items():
        snapshot[name] = reader(meeting=meeting, user=user)
    if console:
        snapshot["incidents"] = [
            incident_dict(i) for i in list_incidents(meeting=meeting)
        ]
    return snapshot
