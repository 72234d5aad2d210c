"""Reading the live room: identity checks, presence, quorum and the versioned snapshot."""

from __future__ import annotations

from typing import Any

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


def checks_by_user(*, meeting: Meeting, item: AgendaItem | None) -> dict[str, Check]:
    """:func:`current_check` for everyone at once (one query each for checks and removals)."""
    removed = set(
        Removal.objects.filter(meeting=meeting, readmitted_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    checks = Check.objects.filter(meeting=meeting, revoked_at__isnull=True)
    if needs_two_factors(meeting=meeting, item=item):
        checks = checks.filter(method=CheckMethod.SECOND_FACTOR, factors__gte=2)
    newest: dict[str, Check] = {}
    for check in checks.order_by("at"):
        if check.user_id not in removed:
            newest[str(check.user_id)] = check
    return newest


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


def live_quorum(*, meeting: Meeting) -> QuorumStatus:
    """Quorum now: members identified and connected (Decree s.9(1), s.10; R22)."""
    item = current_item(meeting=meeting)
    roster = [
        RosterEntry(
            person_id=str(m.user_id), role=DomainRole(m.role), is_voting=m.is_voting
        )
        for m in Membership.objects.filter(committee=meeting.committee)
    ]
    connected: dict[str, Connection] = {}
    for c in open_connections(meeting=meeting):
        connected.setdefault(str(c.user_id), c)
    checks = checks_by_user(meeting=meeting, item=item)
    presences = []
    for user_id, conn in connected.items():
        check = checks.get(user_id)
        presences.append(
            Presence(
                person_id=user_id,
                mode="in_room" if conn.mode == "in_room" else "remote",
                identified=check is not None,
                connected=True,
                in_kingdom=check.in_kingdom if check else None,
                room=check.room or None if check else None,
            )
        )
    regime = regime_on(timezone.localtime(meeting.starts_at).date())
    return quorum_status(
        roster=roster,
        presences=presences,
        rule=quorum_rule_for(meeting.committee),
        regime=regime,
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


def participants(*, meeting: Meeting) -> list[dict[str, Any]]:
    """Everyone on the roster with whether they are identified and connected now."""
    item = current_item(meeting=meeting)
    online: dict[str, str] = {}
    for c in open_connections(meeting=meeting):
        online.setdefault(str(c.user_id), c.mode)
    checks = checks_by_user(meeting=meeting, item=item)
    rows = []
    for m in Membership.objects.filter(committee=meeting.committee).select_related(
        "user"
    ):
        check = checks.get(str(m.user_id))
        rows.append(
            {
                "id": str(m.user_id),
                "name": m.user.display_name,
                "role": m.role,
                "voting": m.is_voting,
                "identified": check is not None,
                "check_method": check.method if check else None,
                "connected": str(m.user_id) in online,
                "mode": online.get(str(m.user_id)),
            }
        )
    return rows


def participant(*, meeting: Meeting, user_id: Any) -> dict[str, Any]:
    return next(p for p in participants(meeting=meeting) if p["id"] == str(user_id))


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


def room_snapshot(*, meeting: Meeting, user: Any) -> dict[str, Any]:
    """The whole room as one person may see it, with the version it reflects."""
    meeting = Meeting.objects.select_related("committee__agency").get(pk=meeting.pk)
    room = get_room(meeting=meeting)
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
            for r in numbered_agenda(meeting=meeting)
        ],
        "current_item": item_dict(room),
        "participants": participants(meeting=meeting),
        "quorum": quorum_dict(live_quorum(meeting=meeting)),
        "floor": floor_dict(room),
        "me": {
            "id": str(user.pk),
            "console": policies.can_run_console(user=user, meeting=meeting),
        },
        "server_time": timezone.now().isoformat(),
        "server_node": settings.SERVER_NODE,
    }
    # Lazy: the voting context reads the room's selectors.
    from prachum.voting import selectors as voting_selectors

    snapshot["poll"] = voting_selectors.poll_snapshot(meeting=meeting, user=user)
    if policies.can_run_console(user=user, meeting=meeting):
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
