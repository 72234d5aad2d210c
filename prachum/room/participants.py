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
    Admission,
    CheckMethod,
    IdentityCheck,
    LocationKind,
    Removal,
    RoomState,
)
from prachum.attendance.selectors import open_connections
from prachum.committees.models import Membership, Role
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from prachum.room import media
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.quorum import refresh_quorum
from prachum.room.snapshot import floor_dict, participant
from prachum.room.state import (
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
) -> IdentityCheck:
    """Confirm a person for this meeting with a fresh second factor (R13, R14).

    The second factor must be newer than ``IDENTITY_CHECK_FRESH_MINUTES``; the person
    declares where they are and confirms that microphone and speaker work (R16).
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
    """The secretary signs in a person physically present at a hybrid meeting's room."""
    if not policies.can_vouch(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the chair or the secretary may sign people in."),
        )
    if meeting.mode != MeetingMode.HYBRID:
        raise ServiceError(
            RoomError.NOT_HYBRID, _("Signing in at the room is for hybrid meetings.")
        )
    require_enterable(meeting, user)
    room_name = validate_location(meeting, LocationKind.IN_ROOM, "", True)
    with transaction.atomic():
        room = lock_room(meeting)
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
    actor: Actor,
    extra: dict[str, Any] | None = None,
) -> None:
    quorum = refresh_quorum(room, actor=actor)
    commit_room_change(
        room,
        actor=actor,
        kind=RoomEvent.PARTICIPANT_IDENTITY_CONFIRMED,
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
