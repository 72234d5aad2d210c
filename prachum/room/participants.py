"""Who is in the room: identity checks (R13-R16), invitees, removal and readmission (R18).

A check by the person (a fresh second factor), vouching by the chair or secretary and
the secretary's sign-in at the meeting room each record an identity check, with who
did it, and change the live quorum in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance import policies
from prachum.attendance.identity import require_enterable, validate_location
from prachum.attendance.models import (
    ROOM_CHANNEL,
    Admission,
    CheckMethod,
    Connection,
    IdentityCheck,
    LocationKind,
    Removal,
    RoomState,
)
from prachum.attendance.selectors import open_connections, room_presences
from prachum.committees.models import Membership, Role
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from prachum.room import media
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.facts import room_facts
from prachum.room.quorum import refresh_quorum
from prachum.room.snapshot import floor_dict, participant
from prachum.room.state import (
    append_room_evidence,
    commit_room_change,
    lock_room,
    require_chair,
    room_text,
    user_group,
)


def check_identity(
    *,
    meeting: Meeting,
    user: Any,
    location: str,
    device_ok: bool,
    in_kingdom: bool | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    alone_declared: bool = False,
) -> IdentityCheck:
    """Confirm a person for this meeting with a fresh second factor (R13, R14).

    The second factor must be newer than ``IDENTITY_CHECK_FRESH_MINUTES``; the person
    declares where they are and confirms that microphone and speaker work (R16). A
    remote participant may also declare that nobody else is present (R46): kept only
    for a remote check, since in the meeting room everyone is seen.
    """
    require_enterable(meeting, user)
    if not device_ok:
        raise ServiceError(
            RoomError.DEVICE_CHECK_REQUIRED,
            _("Confirm that your microphone and speaker work before entering."),
            field="device_ok",
        )
    room_name = validate_location(meeting, location, "", in_kingdom)
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
            RoomError.SECOND_FACTOR_NOT_FRESH,
            _("Enter a new one-time code to confirm it is you for this meeting."),
            field="code",
        )
    with transaction.atomic():
        room = lock_room(meeting)
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
            alone_declared=alone_declared and location == LocationKind.REMOTE,
            performed_by=user,
            at=timezone.now(),
            ip_address=ip_address,
            user_agent=user_agent[:400],
        )
        _after_check(room, check, actor=user)
    return check


def vouch_identity(
    *,
    actor: Actor,
    meeting: Meeting,
    user: Any,
    location: str,
    in_kingdom: bool | None = None,
    note: str = "",
) -> IdentityCheck:
    """The chair or secretary vouches for a participant (MDES 2563; R14), recorded with who."""
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may vouch for a participant."),
        )
    if actor.pk == user.pk:
        raise ServiceError(RoomError.SELF_VOUCH, _("Nobody may vouch for themselves."))
    require_enterable(meeting, user)
    room_name = validate_location(meeting, location, "", in_kingdom)
    note = room_text(note, field="note", required=False)
    with transaction.atomic():
        room = lock_room(meeting)
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


def sign_in_at_room(*, actor: Actor, meeting: Meeting, user: Any) -> IdentityCheck:
    """The secretary signs in a person seen at the meeting room (Decree ss.6, 10; R8).

    The person is identified by presence and *present*, without a device of their own,
    until signed out or the meeting closes: an identity check (``room_sign_in``) and a
    presence interval at the room (a :class:`Connection` on channel ``room``, with who
    signed them in), recorded with the quorum they change (ADR 0016).
    """
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may sign people in."),
        )
    if meeting.mode == MeetingMode.ELECTRONIC:
        raise ServiceError(
            RoomError.NOT_HYBRID,
            _("This meeting has no meeting room; nobody can be signed in at it."),
        )
    require_enterable(meeting, user)
    room_name = validate_location(meeting, LocationKind.IN_ROOM, "", True)
    with transaction.atomic():
        room = lock_room(meeting)
        if room_presences(meeting_id=room.meeting_id).filter(user=user).exists():
            raise ServiceError(
                RoomError.ALREADY_IN_ROOM,
                _("That person is already signed in at the meeting room."),
            )
        now = timezone.now()
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
            at=now,
        )
        presence = Connection.objects.create(
            meeting=meeting,
            user=user,
            identity_check=check,
            channel_name=ROOM_CHANNEL,
            session_hash="",
            auth_method=CheckMethod.ROOM_SIGN_IN,
            server_node=settings.SERVER_NODE,
            mode=LocationKind.IN_ROOM,
            connected_at=now,
            signed_in_by=actor,
        )
        append_room_evidence(
            room,
            RoomEvent.PARTICIPANT_IDENTITY_CONFIRMED,
            _check_payload(check),
            actor=actor,
        )
        facts = room_facts(meeting=room.meeting)
        quorum = refresh_quorum(room, actor=actor, facts=facts)
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.ATTENDANCE_JOINED,
            payload={
                "connection": str(presence.id),
                "user": str(user.pk),
                "check": str(check.id),
                "auth_method": presence.auth_method,
                "mode": presence.mode,
                "channel": ROOM_CHANNEL,
                "room": room_name,
                "signed_in_by": str(actor.pk),
                "server_node": presence.server_node,
                "at": presence.connected_at.isoformat(),
            },
            patch={
                "participant": participant(
                    meeting=room.meeting, user_id=user.pk, facts=facts
                ),
                "quorum": quorum,
            },
        )
    return check


def sign_out_of_room(*, actor: Actor, meeting: Meeting, user: Any) -> Connection:
    """The secretary signs out a person who left the meeting room: their presence there
    ends and the room sign-in no longer identifies them (a device they used on it is
    closed too; to stay remotely they confirm their identity on their own)."""
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may sign people out."),
        )
    with transaction.atomic():
        room = lock_room(meeting)
        presence = room_presences(meeting_id=room.meeting_id).filter(user=user).first()
        if presence is None:
            raise ServiceError(
                RoomError.NOT_IN_ROOM,
                _("That person is not signed in at the meeting room."),
            )
        now = timezone.now()
        room_checks = IdentityCheck.objects.filter(
            meeting=room.meeting,
            user=user,
            method=CheckMethod.ROOM_SIGN_IN,
            revoked_at__isnull=True,
        )
        devices = open_connections(meeting=room.meeting).filter(
            user=user, identity_check__in=room_checks
        )
        closed = sorted(str(pk) for pk in devices.values_list("id", flat=True))
        devices.exclude(pk=presence.pk).update(
            disconnected_at=now, disconnect_reason="signed_out"
        )
        presence.disconnected_at = now
        presence.disconnect_reason = "signed_out"
        presence.signed_out_by = actor
        presence.save(
            update_fields=["disconnected_at", "disconnect_reason", "signed_out_by"]
        )
        room_checks.update(revoked_at=now)
        room.hands = [h for h in room.hands if h != str(user.pk)]
        if room.floor_holder_id == user.pk:
            room.floor_holder = None
        facts = room_facts(meeting=room.meeting)
        quorum = refresh_quorum(room, actor=actor, facts=facts)
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.ATTENDANCE_LEFT,
            payload={
                "connection": str(presence.id),
                "user": str(user.pk),
                "reason": "signed_out",
                "signed_out_by": str(actor.pk),
                "connections_closed": closed,
                "at": now.isoformat(),
            },
            patch={
                "participant": participant(
                    meeting=room.meeting, user_id=user.pk, facts=facts
                ),
                "quorum": quorum,
                "floor": floor_dict(room),
            },
        )
        if len(closed) > 1:  # a device rested on the room sign-in
            publish_on_commit(
                user_group(room.meeting_id, user.pk),
                {"type": "force.close", "reason": "signed_out"},
            )
    return presence


def _check_payload(check: IdentityCheck) -> dict[str, Any]:
    return {
        "check": str(check.id),
        "user": str(check.user_id),
        "method": check.method,
        "factor": check.factor,
        "factors": check.factors,
        "location": check.location,
        "room": check.room,
        "in_kingdom": check.in_kingdom,
        "device_ok": check.device_ok,
        "alone_declared": check.alone_declared,
        "performed_by": str(check.performed_by_id),
        "ip": check.ip_address,
        "user_agent": check.user_agent,
    }


def _after_check(
    room: RoomState,
    check: IdentityCheck,
    *,
    actor: Actor,
    extra: dict[str, Any] | None = None,
) -> None:
    quorum = refresh_quorum(room, actor=actor)
    commit_room_change(
        room,
        actor=actor,
        kind=RoomEvent.PARTICIPANT_IDENTITY_CONFIRMED,
        payload={**_check_payload(check), **(extra or {})},
        patch={
            "participant": participant(meeting=room.meeting, user_id=check.user_id),
            "quorum": quorum,
        },
    )


def admit_invitee(
    *, actor: Actor, meeting: Meeting, user: Any, item: AgendaItem
) -> Admission:
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        membership = Membership.objects.filter(
            committee=room.meeting.committee, user=user
        ).first()
        if membership is None or membership.role != Role.INVITEE:
            raise ServiceError(
                RoomError.NOT_INVITEE, _("Only invitees are admitted for an item.")
            )
        if item.meeting_id != room.meeting_id:
            raise ServiceError(
                CoreError.BAD_ITEM,
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        if item.is_secret or room.meeting.is_secret:
            raise ServiceError(
                RoomError.SECRET_NO_INVITEES,
                _("Invitees may not attend a secret session."),
            )
        admission = Admission.objects.create(
            meeting=room.meeting,
            user=user,
            item=item,
            admitted_by=actor,
            at=timezone.now(),
        )
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.PARTICIPANT_ADMITTED,
            payload={"user": str(user.pk), "item": str(item.pk)},
            patch={"participant": participant(meeting=room.meeting, user_id=user.pk)},
        )
    return admission


def remove_participant(
    *, actor: Actor, meeting: Meeting, user: Any, reason: str
) -> Removal:
    """The chair removes a participant (R18): their connections are closed at once."""
    reason = room_text(reason, field="reason")
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        if actor.pk == user.pk:
            raise ServiceError(RoomError.SELF_REMOVE, _("You cannot remove yourself."))
        if Removal.objects.filter(
            meeting=room.meeting, user=user, readmitted_at__isnull=True
        ).exists():
            raise ServiceError(
                RoomError.ALREADY_REMOVED, _("That person is already removed.")
            )
        removal = Removal.objects.create(
            meeting=room.meeting,
            user=user,
            removed_by=actor,
            reason=reason,
            at=timezone.now(),
        )
        now = timezone.now()
        closing = open_connections(meeting=room.meeting).filter(user=user)
        closed = [str(pk) for pk in closing.values_list("id", flat=True)]
        closing.update(disconnected_at=now, disconnect_reason="removed")
        room.hands = [h for h in room.hands if h != str(user.pk)]
        if room.floor_holder_id == user.pk:
            room.floor_holder = None
        quorum = refresh_quorum(room, actor=actor)
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.PARTICIPANT_REMOVED,
            payload={
                "user": str(user.pk),
                "reason": reason,
                "connections_closed": closed,
            },
            patch={
                "participant": participant(meeting=room.meeting, user_id=user.pk),
                "quorum": quorum,
                "floor": floor_dict(room),
            },
        )
        publish_on_commit(
            user_group(room.meeting_id, user.pk),
            {"type": "force.close", "reason": "removed"},
        )
        media.on_participant_removed(room.meeting, user)  # kick from Janus
    return removal


def readmit_participant(*, actor: Actor, meeting: Meeting, user: Any) -> Removal:
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        removal = Removal.objects.filter(
            meeting=room.meeting, user=user, readmitted_at__isnull=True
        ).first()
        if removal is None:
            raise ServiceError(RoomError.NOT_REMOVED, _("That person was not removed."))
        removal.readmitted_by = actor
        removal.readmitted_at = timezone.now()
        removal.save(update_fields=["readmitted_by", "readmitted_at"])
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.PARTICIPANT_READMITTED,
            payload={"user": str(user.pk)},
            patch={"participant": participant(meeting=room.meeting, user_id=user.pk)},
        )
    return removal
