"""Invitees admitted per item; the chair removes and readmits participants (R18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Admission, Connection, Removal, RoomState
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.meetings import services as meeting_services
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import facts as room_facts
from prachum.room import floor as room_floor
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event

pytestmark = pytest.mark.django_db


def _current(meeting: Meeting) -> AgendaItem:
    item = RoomState.objects.get(meeting=meeting).current_item
    assert item is not None
    return item


def test_an_admitted_invitee_joins_for_that_item_only(
    live_meeting: Meeting,
    chair: Any,
    invitee: Any,
    identified: Callable[..., Any],
    connect: Callable[..., Connection],
) -> None:
    item = _current(live_meeting)
    identified(invitee, live_meeting)
    version = RoomState.objects.get(meeting=live_meeting).version

    admission = room_participants.admit_invitee(
        actor=chair, meeting=live_meeting, user=invitee, item=item
    )

    row = Admission.objects.get(pk=admission.pk)
    assert (row.user, row.item, row.admitted_by) == (invitee, item, chair)
    event = last_event(live_meeting, "participant.admitted")
    assert event.payload == {
        "user": str(invitee.pk),
        "item": str(item.pk),
        "room_version": version + 1,
    }
    connection = connect(invitee, live_meeting)
    assert room_facts.may_enter(meeting=live_meeting, user=invitee)

    # The next item was not theirs: they leave when the chair moves on.
    following = live_meeting.agenda_items.filter(parent=None).order_by("position")[1]
    room_floor.set_current_item(actor=chair, meeting=live_meeting, item=following)
    connection.refresh_from_db()
    assert connection.disconnect_reason == "not_allowed_for_item"
    assert not room_facts.may_enter(meeting=live_meeting, user=invitee)
    with pytest.raises(PermissionDeniedError) as caught:
        connect(invitee, live_meeting)
    assert caught.value.code == "NOT_ADMITTED"


def test_invitees_are_not_admitted_to_a_secret_item(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    invitee: Any,
    open_room: Callable[[Meeting], Meeting],
) -> None:
    secret = meeting_services.add_agenda_item(
        actor=secretary, meeting=notified_meeting, title="เรื่องลับ", is_secret=True
    )
    live_meeting = open_room(notified_meeting)
    before = event_kinds(live_meeting)
    with pytest.raises(ServiceError) as caught:
        room_participants.admit_invitee(
            actor=chair, meeting=live_meeting, user=invitee, item=secret
        )
    assert caught.value.code == "SECRET_NO_INVITEES"
    assert not Admission.objects.exists()
    assert event_kinds(live_meeting) == before


def test_invitees_are_not_admitted_to_a_secret_meeting(
    secret_meeting: Meeting, chair: Any, invitee: Any
) -> None:
    item = secret_meeting.agenda_items.order_by("position").first()
    with pytest.raises(ServiceError) as caught:
        room_participants.admit_invitee(
            actor=chair, meeting=secret_meeting, user=invitee, item=item
        )
    assert caught.value.code == "SECRET_NO_INVITEES"


def test_only_invitees_are_admitted_and_only_by_the_chair_or_secretary(
    live_meeting: Meeting, chair: Any, member: Any, invitee: Any, make_meeting: Any
) -> None:
    item = _current(live_meeting)
    with pytest.raises(ServiceError) as caught:
        room_participants.admit_invitee(
            actor=chair, meeting=live_meeting, user=member, item=item
        )
    assert caught.value.code == "NOT_INVITEE"
    with pytest.raises(PermissionDeniedError) as caught:
        room_participants.admit_invitee(
            actor=member, meeting=live_meeting, user=invitee, item=item
        )
    assert caught.value.code == "CHAIR_ONLY"
    elsewhere = make_meeting(days_ahead=20).agenda_items.first()
    with pytest.raises(ServiceError) as caught:
        room_participants.admit_invitee(
            actor=chair, meeting=live_meeting, user=invitee, item=elsewhere
        )
    assert caught.value.code == "BAD_ITEM"
    assert not Admission.objects.exists()


def test_removal_closes_the_connections_and_tells_the_persons_sockets(
    live_meeting: Meeting,
    chair: Any,
    members: list[Any],
    connect: Callable[..., Connection],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    removed = members[1]
    second_socket = connect(removed, live_meeting)
    room_floor.raise_hand(actor=removed, meeting=live_meeting)
    own = listen(room_state.user_group(live_meeting.pk, removed.pk))
    bystander = listen(room_state.user_group(live_meeting.pk, members[0].pk))
    everyone = listen(room_state.room_group(live_meeting.pk))
    version = RoomState.objects.get(meeting=live_meeting).version

    with django_capture_on_commit_callbacks(execute=True):
        removal = room_participants.remove_participant(
            actor=chair, meeting=live_meeting, user=removed, reason="  ใช้ถ้อยคำไม่สุภาพ  "
        )

    row = Removal.objects.get(pk=removal.pk)
    assert (row.user, row.removed_by, row.reason) == (removed, chair, "ใช้ถ้อยคำไม่สุภาพ")
    assert row.readmitted_at is None
    connections = Connection.objects.filter(meeting=live_meeting, user=removed)
    assert connections.count() == 2
    assert {c.disconnect_reason for c in connections} == {"removed"}
    assert second_socket.pk in {c.pk for c in connections}
    state = RoomState.objects.get(meeting=live_meeting)
    assert state.hands == []
    assert state.version == version + 1
    assert state.quorum_met is False  # four were present; three remain
    assert own.events() == [{"type": "force.close", "reason": "removed"}]
    assert bystander.events() == []
    [event] = everyone.events()
    assert event["type"] == "participant.removed"
    assert event["patch"]["participant"]["connected"] is False
    assert event["patch"]["participant"]["identified"] is False
    assert event["patch"]["quorum"]["counted"] == 3
    payload = last_event(live_meeting, "participant.removed").payload
    assert sorted(payload.pop("connections_closed")) == sorted(
        str(c.pk) for c in connections
    )
    assert payload == {
        "user": str(removed.pk),
        "reason": "ใช้ถ้อยคำไม่สุภาพ",
        "room_version": version + 1,
    }

    with pytest.raises(PermissionDeniedError) as caught:
        connect(removed, live_meeting)
    assert caught.value.code == "REMOVED"
    with pytest.raises(ServiceError) as caught:
        room_participants.remove_participant(
            actor=chair, meeting=live_meeting, user=removed, reason="อีกครั้ง"
        )
    assert caught.value.code == "ALREADY_REMOVED"


def test_readmission_lets_the_person_back_in(
    live_meeting: Meeting,
    chair: Any,
    secretary: Any,
    members: list[Any],
    connect: Callable[..., Connection],
) -> None:
    removed = members[0]
    room_participants.remove_participant(
        actor=chair, meeting=live_meeting, user=removed, reason="เสียงรบกวน"
    )
    version = RoomState.objects.get(meeting=live_meeting).version

    removal = room_participants.readmit_participant(
        actor=secretary, meeting=live_meeting, user=removed
    )

    row = Removal.objects.get(pk=removal.pk)
    assert (row.readmitted_by, row.readmitted_at is not None) == (secretary, True)
    assert last_event(live_meeting, "participant.readmitted").payload == {
        "user": str(removed.pk),
        "room_version": version + 1,
    }
    connect(removed, live_meeting)
    assert str(removed.pk) in room_quorum.live_quorum(meeting=live_meeting).counted_ids
    with pytest.raises(ServiceError) as caught:
        room_participants.readmit_participant(
            actor=chair, meeting=live_meeting, user=removed
        )
    assert caught.value.code == "NOT_REMOVED"


def test_removal_needs_a_reason_and_the_chair_and_not_oneself(
    live_meeting: Meeting, chair: Any, vice_chair: Any, members: list[Any]
) -> None:
    before = event_kinds(live_meeting)
    with pytest.raises(ServiceError) as caught:
        room_participants.remove_participant(
            actor=chair, meeting=live_meeting, user=members[0], reason=" "
        )
    assert caught.value.code == "REQUIRED"
    with pytest.raises(PermissionDeniedError) as caught:
        room_participants.remove_participant(
            actor=vice_chair, meeting=live_meeting, user=members[0], reason="เหตุผล"
        )
    assert caught.value.code == "CHAIR_ONLY"
    with pytest.raises(ServiceError) as caught:
        room_participants.remove_participant(
            actor=chair, meeting=live_meeting, user=chair, reason="ลอง"
        )
    assert caught.value.code == "SELF_REMOVE"
    assert not Removal.objects.exists()
    assert event_kinds(live_meeting) == before


def test_removing_the_floor_holder_ends_the_floor(
    live_meeting: Meeting, chair: Any, members: list[Any]
) -> None:
    room_floor.give_floor(actor=chair, meeting=live_meeting, user=members[0])
    room_participants.remove_participant(
        actor=chair, meeting=live_meeting, user=members[0], reason="เกินเวลา"
    )
    assert RoomState.objects.get(meeting=live_meeting).floor_holder is None
