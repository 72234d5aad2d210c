"""The floor: the current agenda item, raised hands and who has the floor (R15, R18)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.models import Connection, RoomState
from prachum.attendance.selectors import current_check
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.meetings.models import AgendaItem, Meeting, MeetingStatus
from prachum.meetings.secrecy import require_secret_hosting
from prachum.room import media
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.facts import allowed_for_item, room_facts
from prachum.room.quorum import refresh_quorum
from prachum.room.recording import recording_dict
from prachum.room.snapshot import (
    floor_dict,
    item_dict,
    participants,
    participants_patch,
)
from prachum.room.state import (
    ROOM_OPEN,
    commit_room_change,
    lock_room,
    require_chair,
    user_group,
)


def set_current_item(*, actor: Actor, meeting: Meeting, item: AgendaItem) -> RoomState:
    """Move the meeting to an agenda item. A secret item needs two factors (R15)."""
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        if room.meeting.status not in ROOM_OPEN:
            raise ServiceError(RoomError.NOT_OPEN, _("The meeting is not open."))
        if item.meeting_id != room.meeting_id or item.is_removed:
            raise ServiceError(
                CoreError.BAD_ITEM,
                _("That item is not on this meeting's agenda."),
                field="item",
            )
        # The declaration may have been withdrawn since the item was made secret (R44).
        require_secret_hosting(is_secret=item.is_secret or room.meeting.is_secret)
        # One read of the room serves the roster before and after, who may stay and
        # the quorum (issue 4: a thousand people, one round trip per question).
        old_facts = room_facts(meeting=room.meeting, item=room.current_item)
        room.current_item = item
        # The selectors read the current item from the row: save it before counting.
        room.save(update_fields=["current_item"])
        facts = old_facts.for_item(meeting=room.meeting, item=item)
        # Whoever may not stay for this item leaves at once: one factor under a
        # secret item (R15), an invitee not admitted for it.
        allowed = allowed_for_item(meeting=room.meeting, item=item, facts=facts)
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
                user_group(room.meeting_id, user_id),
                {"type": "force.close", "reason": "not_allowed_for_item"},
            )
        quorum = refresh_quorum(room, actor=actor, facts=facts)
        # Rows change only when someone left or the item changes what a check must
        # be (R15); otherwise the patch carries no participant at all.
        rows = (
            participants_patch(
                participants(meeting=room.meeting, facts=old_facts),
                participants(meeting=room.meeting, facts=facts),
            )
            if left or facts.checks is not old_facts.checks
            else {}
        )
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.AGENDA_ITEM_STARTED,
            payload={
                "item": str(item.pk),
                "is_secret": item.is_secret,
                "connections_closed": leaving,
            },
            patch={
                "current_item": item_dict(room),
                # stopped for a secret item, resumed after it (R32)
                "recording": recording_dict(meeting=room.meeting, item=item),
                # only the rows that changed, not the whole roster (issue 4)
                **rows,
                "quorum": quorum,
                "floor": floor_dict(room),
            },
        )
        media.on_item_changed(room.meeting)  # recording, kicks (R32, R43)
    return room


def raise_hand(*, actor: Actor, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = lock_room(meeting)
        if (
            current_check(meeting=room.meeting, user=actor, item=room.current_item)
            is None
        ):
            raise PermissionDeniedError(
                CoreError.IDENTITY_CHECK_REQUIRED,
                _("Confirm your identity for this meeting first."),
            )
        if room.meeting.status != MeetingStatus.OPEN:
            raise ServiceError(RoomError.NOT_OPEN, _("The meeting is not open."))
        uid = str(actor.pk)
        if uid in room.hands or room.floor_holder_id == actor.pk:
            raise ServiceError(
                RoomError.HAND_ALREADY_RAISED, _("Your hand is already raised.")
            )
        room.hands = [*room.hands, uid]
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.FLOOR_HAND_RAISED,
            payload={"user": uid},
            patch={"floor": floor_dict(room)},
        )
    return room


def lower_hand(*, actor: Actor, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = lock_room(meeting)
        uid = str(actor.pk)
        if uid not in room.hands:
            raise ServiceError(RoomError.HAND_NOT_RAISED, _("Your hand is not raised."))
        room.hands = [h for h in room.hands if h != uid]
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.FLOOR_HAND_LOWERED,
            payload={"user": uid},
            patch={"floor": floor_dict(room)},
        )
    return room


def give_floor(*, actor: Actor, meeting: Meeting, user: Any) -> RoomState:
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        if room.meeting.status != MeetingStatus.OPEN:
            raise ServiceError(RoomError.NOT_OPEN, _("The meeting is not open."))
        if (
            current_check(meeting=room.meeting, user=user, item=room.current_item)
            is None
        ):
            raise ServiceError(
                RoomError.NOT_IDENTIFIED,
                _("That person has not confirmed their identity."),
            )
        uid = str(user.pk)
        room.floor_holder = user
        room.hands = [h for h in room.hands if h != uid]
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.FLOOR_GIVEN,
            payload={"user": uid},
            patch={"floor": floor_dict(room)},
        )
    return room


def end_floor(*, actor: Actor, meeting: Meeting) -> RoomState:
    with transaction.atomic():
        room = lock_room(meeting)
        require_chair(actor, room.meeting)
        if room.floor_holder_id is None:
            raise ServiceError(RoomError.NO_FLOOR, _("Nobody has the floor."))
        previous = str(room.floor_holder_id)
        room.floor_holder = None
        commit_room_change(
            room,
            actor=actor,
            kind=RoomEvent.FLOOR_ENDED,
            payload={"user": previous},
            patch={"floor": floor_dict(room)},
        )
    return room
