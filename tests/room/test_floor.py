"""Raised hands and the floor: one version step per change, the chair gives the floor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import RoomState
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event

pytestmark = pytest.mark.django_db


def _room(meeting: Meeting) -> RoomState:
    return RoomState.objects.get(meeting=meeting)


def test_hands_queue_in_order_and_the_floor_takes_one_out(
    live_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, second = members[0], vice_chair
    events = listen(room_state.room_group(live_meeting.pk))
    start = _room(live_meeting).version

    with django_capture_on_commit_callbacks(execute=True):
        room_floor.raise_hand(actor=first, meeting=live_meeting)
    assert _room(live_meeting).version == start + 1
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.raise_hand(actor=second, meeting=live_meeting)
    assert _room(live_meeting).hands == [str(first.pk), str(second.pk)]
    assert _room(live_meeting).version == start + 2

    with django_capture_on_commit_callbacks(execute=True):
        room_floor.give_floor(actor=chair, meeting=live_meeting, user=second)
    state = _room(live_meeting)
    assert state.floor_holder == second
    assert state.hands == [str(first.pk)]
    assert state.version == start + 3
    given = last_event(live_meeting, "floor.given")
    assert (given.actor, given.payload) == (
        chair,
        {"user": str(second.pk), "room_version": start + 3},
    )

    with django_capture_on_commit_callbacks(execute=True):
        room_floor.lower_hand(actor=first, meeting=live_meeting)
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.end_floor(actor=chair, meeting=live_meeting)
    state = _room(live_meeting)
    assert (state.floor_holder, state.hands, state.version) == (None, [], start + 5)
    assert last_event(live_meeting, "floor.ended").payload["user"] == str(second.pk)

    assert events.events() == [
        {
            "type": "floor.hand_raised",
            "version": start + 1,
            "patch": {"floor": {"holder": None, "hands": [str(first.pk)]}},
        },
        {
            "type": "floor.hand_raised",
            "version": start + 2,
            "patch": {
                "floor": {"holder": None, "hands": [str(first.pk), str(second.pk)]}
            },
        },
        {
            "type": "floor.given",
            "version": start + 3,
            "patch": {"floor": {"holder": str(second.pk), "hands": [str(first.pk)]}},
        },
        {
            "type": "floor.hand_lowered",
            "version": start + 4,
            "patch": {"floor": {"holder": str(second.pk), "hands": []}},
        },
        {
            "type": "floor.ended",
            "version": start + 5,
            "patch": {"floor": {"holder": None, "hands": []}},
        },
    ]


def _unchanged(meeting: Meeting, code: str, change: Callable[[], Any]) -> None:
    before = _room(meeting).version, event_kinds(meeting)
    with pytest.raises(ServiceError) as caught:
        change()
    assert caught.value.code == code
    assert (_room(meeting).version, event_kinds(meeting)) == before


def test_refusals_leave_the_version_alone(
    live_meeting: Meeting,
    chair: Any,
    secretary: Any,
    members: list[Any],
) -> None:
    room_floor.raise_hand(actor=members[0], meeting=live_meeting)
    _unchanged(
        live_meeting,
        "HAND_ALREADY_RAISED",
        lambda: room_floor.raise_hand(actor=members[0], meeting=live_meeting),
    )
    _unchanged(
        live_meeting,
        "HAND_NOT_RAISED",
        lambda: room_floor.lower_hand(actor=members[1], meeting=live_meeting),
    )
    _unchanged(
        live_meeting,
        "NO_FLOOR",
        lambda: room_floor.end_floor(actor=chair, meeting=live_meeting),
    )
    # Not identified for this meeting: no hand, and nobody can give them the floor.
    _unchanged(
        live_meeting,
        "IDENTITY_CHECK_REQUIRED",
        lambda: room_floor.raise_hand(actor=members[5], meeting=live_meeting),
    )
    _unchanged(
        live_meeting,
        "NOT_IDENTIFIED",
        lambda: room_floor.give_floor(
            actor=chair, meeting=live_meeting, user=members[5]
        ),
    )


@pytest.mark.parametrize("who", ["vice_chair", "member"])
def test_only_the_chair_or_secretary_gives_and_ends_the_floor(
    request: pytest.FixtureRequest,
    who: str,
    live_meeting: Meeting,
    chair: Any,
    members: list[Any],
) -> None:
    actor = request.getfixturevalue(who)
    room_floor.raise_hand(actor=members[1], meeting=live_meeting)
    for change in (
        lambda: room_floor.give_floor(
            actor=actor, meeting=live_meeting, user=members[1]
        ),
        lambda: room_floor.end_floor(actor=actor, meeting=live_meeting),
    ):
        _unchanged(live_meeting, "CHAIR_ONLY", change)
    room_floor.give_floor(actor=chair, meeting=live_meeting, user=members[1])
    with pytest.raises(PermissionDeniedError):
        room_floor.end_floor(actor=actor, meeting=live_meeting)
    assert _room(live_meeting).floor_holder == members[1]


def test_the_secretary_may_give_the_floor(
    live_meeting: Meeting, secretary: Any, members: list[Any]
) -> None:
    room_floor.give_floor(actor=secretary, meeting=live_meeting, user=members[0])
    assert _room(live_meeting).floor_holder == members[0]


def test_the_floor_holder_cannot_also_queue(
    live_meeting: Meeting, chair: Any, members: list[Any]
) -> None:
    room_floor.give_floor(actor=chair, meeting=live_meeting, user=members[0])
    _unchanged(
        live_meeting,
        "HAND_ALREADY_RAISED",
        lambda: room_floor.raise_hand(actor=members[0], meeting=live_meeting),
    )


def test_the_floor_is_given_only_while_open(
    notified_meeting: Meeting,
    chair: Any,
    member: Any,
    identified: Callable[..., Any],
) -> None:
    identified(member, notified_meeting)
    _unchanged(
        notified_meeting,
        "NOT_OPEN",
        lambda: room_floor.give_floor(
            actor=chair, meeting=notified_meeting, user=member
        ),
    )
    _unchanged(
        notified_meeting,
        "NOT_OPEN",
        lambda: room_floor.raise_hand(actor=member, meeting=notified_meeting),
    )


def test_a_secret_item_is_not_taken_up_once_the_declaration_is_withdrawn(
    settings: Any,
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    secretary: Any,
    chair: Any,
) -> None:
    from prachum.meetings import services as meeting_services

    secret = meeting_services.add_agenda_item(
        actor=secretary, meeting=notified_meeting, title="เรื่องลับ", is_secret=True
    )
    live = open_room(notified_meeting)
    settings.HOSTING_COUNTRY = "SG"  # R44: the deployment moved abroad
    _unchanged(
        live,
        "SECRET_NOT_HOSTED_IN_KINGDOM",
        lambda: room_floor.set_current_item(actor=chair, meeting=live, item=secret),
    )
    assert _room(live).current_item != secret
