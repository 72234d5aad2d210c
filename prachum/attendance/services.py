"""Every change in the live room: lock the room, check, change, record, publish.

Each change bumps the room's ``version`` and publishes, after commit, an event that
carries the version it produces and a ``patch`` of the snapshot sections it changed
(ARCHITECTURE §4.4). A client that sees a gap refetches the snapshot.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance import media_hooks, policies, selectors
from prachum.attendance.models import (
    Admission,
    CheckMethod,
    Connection,
    IdentityCheck,
    Incident,
    IncidentKind,
    LocationKind,
    Removal,
    RoomState,
)
from prachum.committees.models import Membership, Role
from prachum.core.clock import clock_sync_status
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.domain.regimes import regime_on
from prachum.evidence.recordings import schedule_processing as schedule_recordings
from prachum.evidence.sealing import seal_chain
from prachum.evidence.services import append_event
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode, MeetingStatus

ROOM_OPEN = {MeetingStatus.OPEN, MeetingStatus.SUSPENDED}
MAX_TEXT = 2000


def _text(value: str, *, field: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError("REQUIRED", _("This field is required."), field=field)
    if len(value) > MAX_TEXT:
        raise ServiceError(
            "TOO_LONG", _("At most %(n)d characters.") % {"n": MAX_TEXT}, field=field
        )
    return value


def _lock_room(meeting: Meeting) -> RoomState:
    """Lock the room row (created on first use); every room change takes this lock first."""
    RoomState.objects.get_or_create(meeting=meeting)
    return (
        RoomState.objects.select_for_update()
        .select_related("meeting__committee")
        .get(meeting=meeting)
    )


def _commit(
    room: RoomState,
    *,
    actor: Any,
    kind: str,
    payload: dict[str, Any],
    patch: dict[str, Any] | None = None,
) -> int:
    """Bump the version, record the evidence event, publish after commit."""
    room.version += 1
    room.save()
    meeting = room.meeting
    append_event(
        chain_key=meeting.chain_key,
        kind=kind,
        actor=actor,
        payload={**payload, "room_version": room.version},
    )
    publish_on_commit(
        selectors.room_group(meeting.pk),
        {"type": kind, "version": room.version, "patch": patch or {}},
    )
    version, item_id = room.version, room.current_item_id
    transaction.on_commit(
        lambda: selectors.advance_cached_roster(
            meeting_id=meeting.pk,
            version=version,
            current_item_id=item_id,
            patch=patch or {},
        )
    )
    return room.version


def _refresh_quorum(
    room: RoomState, *, actor: Any, facts: selectors.RoomFacts | None = None
) -> dict[str, Any]:
    """Recompute the live quorum; log an incident when it is lost or regained (R22, R23).

    ``facts``, when the caller has them, must describe the room as it is now."""
    meeting = room.meeting
    status = selectors.live_quorum(meeting=meeting, facts=facts)
    if (
        meeting.status in ROOM_OPEN
        and room.quorum_met is not None
        and status.met != room.quorum_met
    ):
        kind = IncidentKind.QUORUM_REGAINED if status.met else IncidentKind.QUORUM_LOST
        _create_incident(
            meeting,
            kind=kind,
            reported_by=None,
            subject=None,
            description=f"{status.counted}/{status.required}",
        )
    room.quorum_met = status.met
    return selectors.quorum_dict(status)


def _create_incident(
    meeting: Meeting, *, kind: str, reported_by: Any, subject: Any, description: str
) -> Incident:
    incident = Incident.objects.create(
        meeting=meeting,
        kind=kind,
        reported_by=reported_by,
        subject=subject,
        description=description,
        at=timezone.now(),
    )
    append_event(
        chain_key=meeting.chain_key,
        kind="incident.recorded",
        actor=reported_by,
        payload={
            "incident": str(incident.id),
            "kind": kind,
            "subject": str(subject.pk) if subject is not None else None,
            "description": description,
        },
    )
    publish_on_commit(
        selectors.console_group(meeting.pk),
        {"type": "incident", "incident": selectors.incident_dict(incident)},
    )
    return incident


# --- identity checks (Decree s.9(1); MDES 2563 process 1; R13-R16) -------------------


def _validate_location(
    meeting: Meeting, location: str, room: str, in_kingdom: bool | None
) -> str:
    if location not in LocationKind.values:
        raise ServiceError(
            "BAD_LOCATION",
            _("Say where you are: in the meeting room or remote."),
            field="location",
        )
    if location == LocationKind.IN_ROOM:
        if meeting.mode == MeetingMode.ELECTRONIC or not meeting.venue:
            raise ServiceError(
                "NO_ROOM",
                _("This meeting has no meeting room; choose remote."),
                field="location",
            )
        room = meeting.venue
    else:
        room = ""
        if meeting.mode == MeetingMode.IN_ROOM:
            raise ServiceError(
                "ROOM_ONLY",
                _("This meeting is held in the room only."),
                field="location",
            )
    regime = regime_on(timezone.localtime(meeting.starts_at).date())
    if regime.everyone_in_kingdom and in_kingdom is not True:
        raise ServiceError(
            "LEGACY_OUTSIDE_KINGDOM",
            _(
                "Under NCPO Announcement 74/2557 every participant must be in the Kingdom."
            ),
            field="in_kingdom",
        )
    return room


def _require_enterable(meeting: Meeting, user: Any) -> Membership:
    meeting.refresh_from_db(fields=["status"])  # callers may hold an older copy
    membership = Membership.objects.filter(
        committee=meeting.committee, user=user
    ).first()
    if membership is None:
        raise PermissionDeniedError(
            "NOT_PARTICIPANT", _("You are not a participant of this meeting.")
        )
    if meeting.status not in {MeetingStatus.NOTIFIED, *ROOM_OPEN}:
        raise ServiceError(
            "ROOM_NOT_AVAILABLE", _("The meeting room is not open for this meeting.")
        )
    if Removal.objects.filter(
        meeting=meeting, user=user, readmitted_at__isnull=True
    ).exists():
        raise PermissionDeniedError(
            "REMOVED", _("The chair removed you from this meeting.")
        )
    return membership


def check_identity(
    *,
    meeting: Meeting,
    user: Any,
    location: str,
    device_ok: bool,
    in_kingdom: bool | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> IdentityCheck:
    """Confirm a person for this meeting with a fresh second factor (R13, R14).

    The second factor must be newer than ``IDENTITY_CHECK_FRESH_MINUTES``; the person
    declares where they are and confirms that microphone and speaker work (R16).
    """
    _require_enterable(meeting, user)
    if not device_ok:
        raise ServiceError(
            "DEVICE_CHECK_REQUIRED",
            _("Confirm that your microphone and speaker work before entering."),
            field="device_ok",
        )
    room_name = _validate_location(meeting, location, "", in_kingdom)
    fresh_since = timezone.now() - timedelta(
        minutes=settings.IDENTITY_CHECK_FRESH_MINUTES
    )
    verification = (
        SecondFactorVerification.objects.filter(user=user, at__gte=fresh_since)
        .order_by("-at")
        .first()
    )
    if verification is None:
        raise ServiceError(
            "SECOND_FACTOR_NOT_FRESH",
            _("Enter a new one-time code to confirm it is you for this meeting."),
            field="code",
        )
    with transaction.atomic():
        room = _lock_room(meeting)
        check = IdentityCheck.objects.create(
            meeting=meeting,
            user=user,
            method=CheckMethod.SECOND_FACTOR,
            factor=verification.method,
            factors=2,
            second_factor_at=verification.at,
            location=location,
            room=room_name,
            in_kingdom=in_kingdom,
            device_ok=True,
            performed_by=user,
            at=timezone.now(),
            ip_address=ip_address,
            user_agent=user_agent[:400],
        )
        _after_check(room, check, actor=user)
    return check


def vouch_identity(
    *,
    actor: Any,
    meeting: Meeting,
    user: Any,
    location: str,
    in_kingdom: bool | None = None,
    note: str = "",
) -> IdentityCheck:
    """The chair or secretary vouches for a participant (MDES 2563; R14), recorded with who."""
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            "NOT_ALLOWED",
            _("Only the chair or the secretary may vouch for a participant."),
        )
    if actor.pk == user.pk:
        raise ServiceError("SELF_VOUCH", _("Nobody may vouch for themselves."))
    _require_enterable(meeting, user)
    room_name = _validate_location(meeting, location, "", in_kingdom)
    note = _text(note, field="note", required=False)
    with transaction.atomic():
        room = _lock_room(meeting)
        check = IdentityCheck.objects.create(
            meeting=meeting,
            user=user,
            method=CheckMethod.VOUCHED,
            factors=1,
            location=location,
            room=room_name,
            in_kingdom=in_kingdom,
            device_ok=False,
            performed_by=actor,
            at=timezone.now(),
        )
        _after_check(room, check, actor=actor, extra={"note": note})
    return check


def sign_in_at_room(*, actor: Any, meeting: Meeting, user: Any) -> IdentityCheck:
    """The secretary signs in a person physically present at a hybrid meeting's room."""
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            "NOT_ALLOWED", _("Only the chair or the secretary may sign people in.")
        )
    if meeting.mode != MeetingMode.HYBRID:
        raise ServiceError(
            "NOT_HYBRID", _("Signing in at the room is for hybrid meetings.")
        )
    _require_enterable(meeting, user)
    room_name = _validate_location(meeting, LocationKind.IN_ROOM, "", True)
    with transaction.atomic():
        room = _lock_room(meeting)
        check = IdentityCheck.objects.create(
            meeting=meeting,
            user=user,
            method=CheckMethod.ROOM_SIGN_IN,
            factors=1,
            location=LocationKind.IN_ROOM,
            room=room_name,
            in_kingdom=True,
            device_ok=True,
            performed_by=actor,
            at=timezone.now(),
        )
        _after_check(room, check, actor=actor)
    return check


def _after_check(
    room: RoomState,
    check: IdentityCheck,
    *,
    actor: Any,
    extra: dict[str, Any] | None = None,
) -> None:
    quorum = _refresh_quorum(room, actor=actor)
    _commit(
        room,
        actor=actor,
        kind="participant.identity_confirmed",
        payload={
            "check": str(check.id),
            "user": str(check.user_id),
            "method": check.method,
            "factor": check.factor,
            "factors": check.factors,
            "location": check.location,
            "room": check.room,
            "in_kingdom": check.in_kingdom,
            "device_ok": check.device_ok,
            "performed_by": str(check.performed_by_id),
            "ip": check.ip_address,
            "user_agent": check.user_agent,
            **(extra or {}),
        },
        patch={
            "participant": selectors.participant(
                meeting=room.meeting, user_id=check.user_id
            ),
            "quorum": quorum,
        },
    )


# --- connections: attendance intervals and traffic data (R22, R37, R38) -----------------


def open_connection(
    *,
    meeting: Meeting,
    user: Any,
    channel_name: str,
    session_key: str,
    ip_address: str | None,
    port: int | None,
    user_agent: str,
) -> Connection:
    """A person's socket joins the room; refused before the identity check (R13)."""
    with transaction.atomic():
        room = _lock_room(meeting)
        meeting = room.meeting
        _require_enterable(meeting, user)
        item = room.current_item
        check = selectors.current_check(meeting=meeting, user=user, item=item)
        if check is None:
            raise PermissionDeniedError(
                "IDENTITY_CHECK_REQUIRED",
                _("Confirm your identity for this meeting first."),
            )
        membership = Membership.objects.get(committee=meeting.committee, user=user)
        if membership.role == Role.INVITEE and not selectors.is_admitted(
            meeting=meeting, user=user, item=item
        ):
            raise PermissionDeniedError(
                "NOT_ADMITTED",
                _("The chair has not admitted you for the current agenda item."),
            )
        connection = Connection.objects.create(
            meeting=meeting,
            user=user,
            identity_check=check,
            channel_name=channel_name[:200],
            session_hash=hashlib.sha256(session_key.encode()).hexdigest(),
            auth_method=f"{check.method}:{check.factor}"
            if check.factor
            else check.method,
            ip_address=ip_address,
            port=port,
            user_agent=user_agent[:400],
            server_node=settings.SERVER_NODE,
            mode=check.location,
            connected_at=timezone.now(),
        )
        facts = selectors.room_facts(meeting=meeting, item=item)
        quorum = _refresh_quorum(room, actor=user, facts=facts)
        _commit(
            room,
            actor=user,
            kind="attendance.joined",
            payload={
                "connection": str(connection.id),
                "user": str(user.pk),
                "check": str(check.id),
                "auth_method": connection.auth_method,
                "mode": connection.mode,
                "ip": ip_address,
                "port": port,
                "user_agent": connection.user_agent,
                "session": connection.session_hash,
                "server_node": connection.server_node,
                "at": connection.connected_at.isoformat(),
            },
            patch={
                "participant": selectors.participant(
                    meeting=meeting, user_id=user.pk, facts=facts
                ),
                "quorum": quorum,
            },
        )
    return connection


def close_connection(*, connection_id: Any, reason: str) -> Connection | None:
    """A socket leaves: ``left`` (said goodbye), ``lost`` (dropped), ``removed``, ``closed``.

    A participant whose last connection is lost while the meeting is open gets an
    automatic incident the chair sees (R42).
    """
    with transaction.atomic():
        connection = (
            Connection.objects.select_related("meeting")
            .filter(pk=connection_id)
            .first()
        )
        if connection is None:
            return None
        room = _lock_room(connection.meeting)
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        if connection.disconnected_at is not None:
            return connection
        connection.disconnected_at = timezone.now()
        connection.disconnect_reason = reason[:40]
        connection.save(update_fields=["disconnected_at", "disconnect_reason"])
        meeting = room.meeting
        still_here = (
            selectors.open_connections(meeting=meeting)
            .filter(user_id=connection.user_id)
            .exists()
        )
        if reason == "lost" and not still_here and meeting.status in ROOM_OPEN:
            _create_incident(
                meeting,
                kind=IncidentKind.CONNECTION_LOST,
                reported_by=None,
                subject=connection.user,
                description=connection.user.display_name,
            )
        quorum = _refresh_quorum(room, actor=None)
        _commit(
            room,
            actor=None,
            kind="attendance.left",
            payload={
                "connection": str(connection.id),
                "user": str(connection.user_id),
                "reason": connection.disconnect_reason,
                "at": connection.disconnected_at.isoformat(),
            },
            patch={
                "participant": selectors.participant(
                    meeting=meeting, user_id=connection.user_id
                ),
                "quorum": quorum,
            },
        )
    return connection


# --- the chair's console (R18, R23) ---------------------------------------------------


def _clock_record() -> dict[str, Any]:
    """The clock status for the evidence, the offset as a decimal string: the hashed
    record refuses floats (see ``evidence.services``), and chrony reports one."""
    clock = clock_sync_status()
    offset = clock.get("offset_ms")
    return {**clock, "offset_ms": None if offset is None else f"{offset:.6f}"}


def _require_chair(actor: Any, meeting: Meeting) -> None:
    if not policies.can_chair(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            "CHAIR_ONLY", _("Only the chair or the secretary may do this.")
        )


def _set_status(room: RoomState, status: str) -> None:
    Meeting.objects.filter(pk=room.meeting_id).update(
        status=status, updated_at=timezone.now()
    )
    room.meeting.status = status


def open_meeting(
    *, actor: Any, meeting: Meeting, without_quorum_reason: str = ""
) -> RoomState:
    """Open the meeting; quorum is checked (APA s.79, R23) and the clock status kept (R39)."""
    with transaction.atomic():
        room = _lock_room(meeting)
        meeting = room.meeting
        _require_chair(actor, meeting)
        if meeting.status != MeetingStatus.NOTIFIED:
            raise ServiceError(
                "CANNOT_OPEN", _("Only a meeting whose notice was sent can be opened.")
            )
        status = selectors.live_quorum(meeting=meeting)
        reason = _text(without_quorum_reason, field="reason", required=False)
        if not status.met and not reason:
            raise ServiceError(
                "QUORUM_NOT_MET",
                _(
                    "There is no quorum (%(counted)d of %(required)d). The chair may open only with a recorded reason."
                )
                % {"counted": status.counted, "required": status.required},
                field="reason",
            )
        clock = _clock_record()
        _set_status(room, MeetingStatus.OPEN)
        room.opened_at = timezone.now()
        room.quorum_met = status.met
        if room.current_item_id is None:
            room.current_item = (
                meeting.agenda_items.filter(parent=None, is_removed=False)
                .order_by("position")
                .first()
            )
        if clock["synced"] is not True:
            _create_incident(
                meeting,
                kind=IncidentKind.CLOCK_UNSYNCED,
                reported_by=None,
                subject=None,
                description=str(clock["source"]),
            )
        _commit(
            room,
            actor=actor,
            kind="meeting.opened",
            payload={
                "quorum": selectors.quorum_dict(status),
                "without_quorum_reason": reason,
                "clock": clock,
            },
            patch={
                "meeting_status": MeetingStatus.OPEN,
                "quorum": selectors.quorum_dict(status),
                "current_item": selectors.item_dict(room),
            },
        )
        media_hooks.on_meeting_opened(room.meeting)  # Janus room, after commit
    return room


def suspend_meeting(*, actor: Any, meeting: Meeting, reason: str) -> RoomState:
    reason = _text(reason, field="reason")
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.meeting.status != MeetingStatus.OPEN:
            raise ServiceError("NOT_OPEN", _("The meeting is not open."))
        _set_status(room, MeetingStatus.SUSPENDED)
        _commit(
            room,
            actor=actor,
            kind="meeting.suspended",
            payload={"reason": reason},
            patch={"meeting_status": MeetingStatus.SUSPENDED},
        )
        media_hooks.on_meeting_suspended(room.meeting)  # everyone muted
    return room


def resume_meeting(*, actor: Any, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.meeting.status != MeetingStatus.SUSPENDED:
            raise ServiceError("NOT_SUSPENDED", _("The meeting is not suspended."))
        _set_status(room, MeetingStatus.OPEN)
        quorum = _refresh_quorum(room, actor=actor)
        _commit(
            room,
            actor=actor,
            kind="meeting.resumed",
            payload={"quorum": quorum},
            patch={"meeting_status": MeetingStatus.OPEN, "quorum": quorum},
        )
        media_hooks.on_meeting_resumed(room.meeting)
    return room


def close_meeting(*, actor: Any, meeting: Meeting) -> RoomState:
    """Close the meeting: open connections are closed and the clock status kept (R39)."""
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.meeting.status not in ROOM_OPEN:
            raise ServiceError("NOT_OPEN", _("The meeting is not open."))
        # Lazy: the voting context builds on the room's services.
        from prachum.voting import selectors as voting_selectors

        # A live poll's ballots reach the evidence chain only with its close (ADR 0008).
        if voting_selectors.live_poll(meeting=room.meeting) is not None:
            raise ServiceError(
                "POLL_IN_PROGRESS",
                _(
                    "A vote is in progress. Close the vote (or give the casting vote) before closing the meeting."
                ),
            )
        now = timezone.now()
        closed = list(
            selectors.open_connections(meeting=room.meeting).values_list(
                "id", flat=True
            )
        )
        selectors.open_connections(meeting=room.meeting).update(
            disconnected_at=now, disconnect_reason="closed"
        )
        _set_status(room, MeetingStatus.CLOSED)
        room.closed_at = now
        room.floor_holder = None
        room.hands = []
        quorum = _refresh_quorum(room, actor=actor)  # closed: nobody is connected
        _commit(
            room,
            actor=actor,
            kind="meeting.closed",
            payload={
                "clock": _clock_record(),
                "connections_closed": [str(c) for c in closed],
            },
            patch={
                "meeting_status": MeetingStatus.CLOSED,
                "floor": selectors.floor_dict(room),
                "participants": selectors.participants(meeting=room.meeting),
                "quorum": quorum,
            },
        )
        # The record of the meeting ends here: the agency signs the chain's head (R34).
        media_hooks.before_meeting_sealed(room)  # gap end; room destroyed on commit
        seal_chain(chain_key=room.meeting.chain_key, actor=actor)
        # After commit the worker converts the recordings, then seals again (ADR 0012).
        schedule_recordings(meeting_id=room.meeting_id)
    return room


def set_current_item(*, actor: Any, meeting: Meeting, item: AgendaItem) -> RoomState:
    """Move the meeting to an agenda item. A secret item needs two factors (R15)."""
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.meeting.status not in ROOM_OPEN:
            raise ServiceError("NOT_OPEN", _("The meeting is not open."))
        if item.meeting_id != room.meeting_id or item.is_removed:
            raise ServiceError(
                "BAD_ITEM",
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        # One read of the room serves the roster before and after, who may stay and
        # the quorum (issue 4: a thousand people, one round trip per question).
        old_facts = selectors.room_facts(meeting=room.meeting, item=room.current_item)
        room.current_item = item
        # The selectors read the current item from the row: save it before counting.
        room.save(update_fields=["current_item"])
        facts = old_facts.for_item(meeting=room.meeting, item=item)
        # Whoever may not stay for this item leaves at once: one factor under a
        # secret item (R15), an invitee not admitted for it.
        allowed = selectors.allowed_for_item(
            meeting=room.meeting, item=item, facts=facts
        )
        left = {uid for uid in facts.connection_ids if uid not in allowed}
        leaving = sorted(str(pk) for uid in left for pk in facts.connection_ids[uid])
        Connection.objects.filter(pk__in=leaving).update(
            disconnected_at=timezone.now(), disconnect_reason="not_allowed_for_item"
        )
        facts = facts.without(left)
        room.hands = [h for h in room.hands if h not in left]
        if str(room.floor_holder_id) in left:
            room.floor_holder = None
        for user_id in sorted(left):
            publish_on_commit(
                selectors.user_group(room.meeting_id, user_id),
                {"type": "force.close", "reason": "not_allowed_for_item"},
            )
        quorum = _refresh_quorum(room, actor=actor, facts=facts)
        # Rows change only when someone left or the item changes what a check must
        # be (R15); otherwise the patch carries no participant at all.
        rows = (
            selectors.participants_patch(
                selectors.participants(meeting=room.meeting, facts=old_facts),
                selectors.participants(meeting=room.meeting, facts=facts),
            )
            if left or facts.checks is not old_facts.checks
            else {}
        )
        _commit(
            room,
            actor=actor,
            kind="agenda.item_started",
            payload={
                "item": str(item.pk),
                "is_secret": item.is_secret,
                "connections_closed": leaving,
            },
            patch={
                "current_item": selectors.item_dict(room),
                # only the rows that changed, not the whole roster (issue 4)
                **rows,
                "quorum": quorum,
                "floor": selectors.floor_dict(room),
            },
        )
        media_hooks.on_item_changed(room.meeting)  # recording, kicks (R32, R43)
    return room


def raise_hand(*, actor: Any, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = _lock_room(meeting)
        if (
            selectors.current_check(
                meeting=room.meeting, user=actor, item=room.current_item
            )
            is None
        ):
            raise PermissionDeniedError(
                "IDENTITY_CHECK_REQUIRED",
                _("Confirm your identity for this meeting first."),
            )
        if room.meeting.status != MeetingStatus.OPEN:
            raise ServiceError("NOT_OPEN", _("The meeting is not open."))
        uid = str(actor.pk)
        if uid in room.hands or room.floor_holder_id == actor.pk:
            raise ServiceError("HAND_ALREADY_RAISED", _("Your hand is already raised."))
        room.hands = [*room.hands, uid]
        _commit(
            room,
            actor=actor,
            kind="floor.hand_raised",
            payload={"user": uid},
            patch={"floor": selectors.floor_dict(room)},
        )
    return room


def lower_hand(*, actor: Any, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = _lock_room(meeting)
        uid = str(actor.pk)
        if uid not in room.hands:
            raise ServiceError("HAND_NOT_RAISED", _("Your hand is not raised."))
        room.hands = [h for h in room.hands if h != uid]
        _commit(
            room,
            actor=actor,
            kind="floor.hand_lowered",
            payload={"user": uid},
            patch={"floor": selectors.floor_dict(room)},
        )
    return room


def give_floor(*, actor: Any, meeting: Meeting, user: Any) -> RoomState:
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.meeting.status != MeetingStatus.OPEN:
            raise ServiceError("NOT_OPEN", _("The meeting is not open."))
        if (
            selectors.current_check(
                meeting=room.meeting, user=user, item=room.current_item
            )
            is None
        ):
            raise ServiceError(
                "NOT_IDENTIFIED", _("That person has not confirmed their identity.")
            )
        uid = str(user.pk)
        room.floor_holder = user
        room.hands = [h for h in room.hands if h != uid]
        _commit(
            room,
            actor=actor,
            kind="floor.given",
            payload={"user": uid},
            patch={"floor": selectors.floor_dict(room)},
        )
    return room


def end_floor(*, actor: Any, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if room.floor_holder_id is None:
            raise ServiceError("NO_FLOOR", _("Nobody has the floor."))
        previous = str(room.floor_holder_id)
        room.floor_holder = None
        _commit(
            room,
            actor=actor,
            kind="floor.ended",
            payload={"user": previous},
            patch={"floor": selectors.floor_dict(room)},
        )
    return room


def admit_invitee(
    *, actor: Any, meeting: Meeting, user: Any, item: AgendaItem
) -> Admission:
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        membership = Membership.objects.filter(
            committee=room.meeting.committee, user=user
        ).first()
        if membership is None or membership.role != Role.INVITEE:
            raise ServiceError(
                "NOT_INVITEE", _("Only invitees are admitted for an item.")
            )
        if item.meeting_id != room.meeting_id:
            raise ServiceError(
                "BAD_ITEM",
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        if item.is_secret or room.meeting.is_secret:
            raise ServiceError(
                "SECRET_NO_INVITEES", _("Invitees may not attend a secret session.")
            )
        admission = Admission.objects.create(
            meeting=room.meeting,
            user=user,
            item=item,
            admitted_by=actor,
            at=timezone.now(),
        )
        _commit(
            room,
            actor=actor,
            kind="participant.admitted",
            payload={"user": str(user.pk), "item": str(item.pk)},
            patch={
                "participant": selectors.participant(
                    meeting=room.meeting, user_id=user.pk
                )
            },
        )
    return admission


def remove_participant(
    *, actor: Any, meeting: Meeting, user: Any, reason: str
) -> Removal:
    """The chair removes a participant (R18): their connections are closed at once."""
    reason = _text(reason, field="reason")
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        if actor.pk == user.pk:
            raise ServiceError("SELF_REMOVE", _("You cannot remove yourself."))
        if Removal.objects.filter(
            meeting=room.meeting, user=user, readmitted_at__isnull=True
        ).exists():
            raise ServiceError("ALREADY_REMOVED", _("That person is already removed."))
        removal = Removal.objects.create(
            meeting=room.meeting,
            user=user,
            removed_by=actor,
            reason=reason,
            at=timezone.now(),
        )
        now = timezone.now()
        closing = selectors.open_connections(meeting=room.meeting).filter(user=user)
        closed = [str(pk) for pk in closing.values_list("id", flat=True)]
        closing.update(disconnected_at=now, disconnect_reason="removed")
        room.hands = [h for h in room.hands if h != str(user.pk)]
        if room.floor_holder_id == user.pk:
            room.floor_holder = None
        quorum = _refresh_quorum(room, actor=actor)
        _commit(
            room,
            actor=actor,
            kind="participant.removed",
            payload={
                "user": str(user.pk),
                "reason": reason,
                "connections_closed": closed,
            },
            patch={
                "participant": selectors.participant(
                    meeting=room.meeting, user_id=user.pk
                ),
                "quorum": quorum,
                "floor": selectors.floor_dict(room),
            },
        )
        publish_on_commit(
            selectors.user_group(room.meeting_id, user.pk),
            {"type": "force.close", "reason": "removed"},
        )
        media_hooks.on_participant_removed(room.meeting, user)  # kick from Janus
    return removal


def readmit_participant(*, actor: Any, meeting: Meeting, user: Any) -> Removal:
    with transaction.atomic():
        room = _lock_room(meeting)
        _require_chair(actor, room.meeting)
        removal = Removal.objects.filter(
            meeting=room.meeting, user=user, readmitted_at__isnull=True
        ).first()
        if removal is None:
            raise ServiceError("NOT_REMOVED", _("That person was not removed."))
        removal.readmitted_by = actor
        removal.readmitted_at = timezone.now()
        removal.save(update_fields=["readmitted_by", "readmitted_at"])
        _commit(
            room,
            actor=actor,
            kind="participant.readmitted",
            payload={"user": str(user.pk)},
            patch={
                "participant": selectors.participant(
                    meeting=room.meeting, user_id=user.pk
                )
            },
        )
    return removal


# --- the failure channel (R17, R42) -------------------------------------------------


def report_incident(*, actor: Any, meeting: Meeting, description: str) -> Incident:
    """A participant reports a problem; the chair sees it at once."""
    description = _text(description, field="description")
    if not policies.is_participant(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            "NOT_PARTICIPANT", _("You are not a participant of this meeting.")
        )
    with transaction.atomic():
        room = _lock_room(meeting)
        return _create_incident(
            room.meeting,
            kind=IncidentKind.REPORTED,
            reported_by=actor,
            subject=actor,
            description=description,
        )


def handle_incident(*, actor: Any, incident: Incident, handling: str) -> Incident:
    """Record how an incident was handled; once recorded it is not changed."""
    handling = _text(handling, field="handling")
    with transaction.atomic():
        room = _lock_room(incident.meeting)
        _require_chair(actor, room.meeting)
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.handled_at is not None:
            raise ServiceError(
                "ALREADY_HANDLED", _("This incident already has its handling recorded.")
            )
        incident.handled_by = actor
        incident.handled_at = timezone.now()
        incident.handling = handling
        incident.save(update_fields=["handled_by", "handled_at", "handling"])
        append_event(
            chain_key=room.meeting.chain_key,
            kind="incident.handled",
            actor=actor,
            payload={"incident": str(incident.id), "handling": handling},
        )
        publish_on_commit(
            selectors.console_group(room.meeting_id),
            {"type": "incident", "incident": selectors.incident_dict(incident)},
        )
    return incident


# Other apps that change the room (voting) lock and commit through these names.
lock_room = _lock_room
commit_room_change = _commit
