"""The live quorum: the law engine's count over one read of the room (R22, R23)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from prachum.attendance.models import IncidentKind, RoomState
from prachum.committees.models import Committee
from prachum.core.actors import Actor
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
from prachum.meetings.life import adjourned_context
from prachum.meetings.models import Meeting
from prachum.room.facts import RoomFacts, room_facts
from prachum.room.incidents import create_incident
from prachum.room.state import ROOM_OPEN


def quorum_rule_for(committee: Committee) -> QuorumRule:
    return QuorumRule(
        kind=committee.quorum_kind,  # type: ignore[arg-type]
        fraction=committee.quorum_fraction,
        fixed_count=committee.quorum_fixed,
        substitutes_count=committee.substitutes_count,
        is_dispute_body=committee.is_dispute_body,
    )


def live_quorum(*, meeting: Meeting, facts: RoomFacts | None = None) -> QuorumStatus:
    """Quorum now: members identified and present, in the room or connected with their
    audio up where required (Decree ss.6, 9(1), 10; R8, R16, R22)."""
    if facts is None:
        facts = room_facts(meeting=meeting)
    return room_quorum(
        meeting=meeting,
        facts=facts,
        audio=facts.audio,
        item=ItemContext(recused=facts.recused) if facts.recused else None,
    )


def roster_entries(facts: RoomFacts) -> list[RosterEntry]:
    return [
        RosterEntry(person_id=str(user_id), role=DomainRole(role), is_voting=is_voting)
        for user_id, role, is_voting, *_ in facts.roster
    ]


def presence_of(
    user_id: str, mode: str | None, facts: RoomFacts, audio: set[str] | None
) -> Presence | None:
    """What the law engine needs of one person's presence (``mode``: None when not
    connected at all)."""
    check = facts.checks.get(user_id)
    if check is None and mode is None:
        return None
    return Presence(
        person_id=user_id,
        mode="in_room" if mode == "in_room" else "remote",
        identified=check is not None,
        connected=mode is not None,
        audio_up=None if audio is None else user_id in audio,
        in_kingdom=check.in_kingdom if check else None,
        room=check.room or None if check else None,
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
    presences = [
        presence
        for user_id, mode in facts.online.items()
        if (presence := presence_of(user_id, mode, facts, audio)) is not None
    ]
    regime = regime_on(timezone.localtime(meeting.starts_at).date())
    item = adjourned_context(meeting=meeting, item=item)  # APA s.79 para 2
    return quorum_status(
        roster=roster_entries(facts),
        presences=presences,
        rule=quorum_rule_for(meeting.committee),
        item=item,
        regime=regime,
        require_audio=audio is not None,
    )


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


def refresh_quorum(
    room: RoomState, *, actor: Actor | None, facts: RoomFacts | None = None
) -> dict[str, Any]:
    """Recompute the live quorum; log an incident when it is lost or regained (R22, R23).

    ``facts``, when the caller has them, must describe the room as it is now."""
    meeting = room.meeting
    status = live_quorum(meeting=meeting, facts=facts)
    if (
        meeting.status in ROOM_OPEN
        and room.quorum_met is not None
        and status.met != room.quorum_met
    ):
        kind = IncidentKind.QUORUM_REGAINED if status.met else IncidentKind.QUORUM_LOST
        create_incident(
            meeting,
            kind=kind,
            reported_by=None,
            subject=None,
            description=f"{status.counted}/{status.required}",
        )
    room.quorum_met = status.met
    return quorum_dict(status)
