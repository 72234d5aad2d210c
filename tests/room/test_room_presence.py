"""Presence at the meeting room (issue 13 points 1, 2, 9; Decree ss.6, 10; R8, R13-R15,
R43-R45): a member the secretary signs in at the room is present without a device,
stays through a secret item, counts once with a device too, and leaves the quorum when
signed out or when the meeting closes. The cast: eight voting members, a non-voting
secretary; "at least half" is four."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.absence import record_absence
from prachum.attendance.models import CheckMethod, Connection, IdentityCheck
from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.minutes.selectors import minutes_content
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import snapshot as room_snapshot

pytestmark = pytest.mark.django_db


def sign_in(secretary: Any, meeting: Meeting, *people: Any) -> None:
    for person in people:
        room_participants.sign_in_at_room(actor=secretary, meeting=meeting, user=person)


def standing(meeting: Meeting, person: Any) -> str:
    row = room_snapshot.participant(meeting=meeting, user_id=person.pk)
    return row["standing"]


def test_people_signed_in_at_the_room_count_without_a_device(
    hybrid_meeting: Meeting, secretary: Any, members: list[Any]
) -> None:
    sign_in(secretary, hybrid_meeting, members[0], members[1])
    status = room_quorum.live_quorum(meeting=hybrid_meeting)
    assert status.counted == 2
    assert set(status.counted_ids) == {str(members[0].pk), str(members[1].pk)}
    presences = Connection.objects.filter(meeting=hybrid_meeting, channel_name="room")
    assert [p.signed_in_by for p in presences] == [secretary, secretary]
    assert {p.mode for p in presences} == {"in_room"}
    assert standing(hybrid_meeting, members[0]) == "counted_in_room"
    assert standing(hybrid_meeting, members[2]) == "not_identified"
    rows = room_snapshot.participants(meeting=hybrid_meeting)
    by_id = {row["id"]: row for row in rows}
    assert by_id[str(members[1].pk)]["connected"] is True
    assert by_id[str(secretary.pk)]["standing"] == "not_identified"


def test_a_member_in_the_room_with_a_device_counts_once(
    hybrid_meeting: Meeting,
    secretary: Any,
    members: list[Any],
    connect: Callable[..., Connection],
) -> None:
    sign_in(secretary, hybrid_meeting, members[0])
    device = connect(members[0], hybrid_meeting)
    assert device.mode == "in_room"  # rests on the room sign-in
    status = room_quorum.live_quorum(meeting=hybrid_meeting)
    assert (status.counted, status.counted_ids) == (1, (str(members[0].pk),))


def test_signing_in_twice_is_refused_and_a_non_member_cannot(
    hybrid_meeting: Meeting, secretary: Any, member: Any, outsider: Any
) -> None:
    sign_in(secretary, hybrid_meeting, member)
    with pytest.raises(ServiceError) as caught:
        sign_in(secretary, hybrid_meeting, member)
    assert caught.value.code == "ALREADY_IN_ROOM"
    with pytest.raises(ServiceError) as caught:
        sign_in(secretary, hybrid_meeting, outsider)
    assert caught.value.code == "NOT_PARTICIPANT"
    assert Connection.objects.filter(meeting=hybrid_meeting).count() == 1


def test_signing_out_ends_the_presence_and_the_room_identity(
    hybrid_meeting: Meeting,
    secretary: Any,
    members: list[Any],
    connect: Callable[..., Connection],
) -> None:
    sign_in(secretary, hybrid_meeting, members[0], members[1])
    device = connect(members[0], hybrid_meeting)
    room_participants.sign_out_of_room(
        actor=secretary, meeting=hybrid_meeting, user=members[0]
    )
    status = room_quorum.live_quorum(meeting=hybrid_meeting)
    assert status.counted_ids == (str(members[1].pk),)
    presence = Connection.objects.get(
        meeting=hybrid_meeting, user=members[0], channel_name="room"
    )
    assert (presence.disconnect_reason, presence.signed_out_by) == (
        "signed_out",
        secretary,
    )
    device.refresh_from_db()
    assert device.disconnected_at is not None  # it rested on the room sign-in
    check = IdentityCheck.objects.get(user=members[0], meeting=hybrid_meeting)
    assert check.revoked_at is not None
    assert standing(hybrid_meeting, members[0]) == "not_identified"
    left = list_events(chain_key=hybrid_meeting.chain_key).last()
    assert (left.kind, left.payload["reason"], left.payload["signed_out_by"]) == (
        "attendance.left",
        "signed_out",
        str(secretary.pk),
    )
    assert sorted(left.payload["connections_closed"]) == sorted(
        [str(presence.pk), str(device.pk)]
    )
    with pytest.raises(ServiceError) as caught:
        room_participants.sign_out_of_room(
            actor=secretary, meeting=hybrid_meeting, user=members[0]
        )
    assert caught.value.code == "NOT_IN_ROOM"
    # and they may be signed in again when they come back
    sign_in(secretary, hybrid_meeting, members[0])
    assert room_quorum.live_quorum(meeting=hybrid_meeting).counted == 2


def test_only_the_chair_or_secretary_signs_people_in_or_out(
    hybrid_meeting: Meeting, secretary: Any, members: list[Any]
) -> None:
    with pytest.raises(ServiceError) as caught:
        room_participants.sign_in_at_room(
            actor=members[1], meeting=hybrid_meeting, user=members[0]
        )
    assert caught.value.code == "NOT_ALLOWED"
    sign_in(secretary, hybrid_meeting, members[0])
    with pytest.raises(ServiceError) as caught:
        room_participants.sign_out_of_room(
            actor=members[1], meeting=hybrid_meeting, user=members[0]
        )
    assert caught.value.code == "NOT_ALLOWED"


def test_a_secret_item_keeps_the_room_and_two_factor_remotes_only(
    hybrid_meeting: Meeting,
    chair: Any,
    secretary: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Connection],
    connect: Callable[..., Connection],
) -> None:
    """R15, R43-R45: seen at the room is identity enough; remote needs two factors."""
    secret = meeting_services.add_agenda_item(
        actor=secretary,
        meeting=hybrid_meeting,
        title="เรื่องลับ: การพิจารณาบุคคล",
        is_secret=True,
    )
    sign_in(secretary, hybrid_meeting, members[0], members[1])
    present(chair, hybrid_meeting)
    present(vice_chair, hybrid_meeting)
    room_participants.vouch_identity(
        actor=secretary, meeting=hybrid_meeting, user=members[2], location="remote"
    )
    connect(members[2], hybrid_meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=hybrid_meeting)
    assert room_quorum.live_quorum(meeting=hybrid_meeting).counted == 5

    room_floor.set_current_item(actor=chair, meeting=hybrid_meeting, item=secret)

    status = room_quorum.live_quorum(meeting=hybrid_meeting)
    assert set(status.counted_ids) == {
        str(p.pk) for p in (members[0], members[1], chair, vice_chair)
    }
    still_open = Connection.objects.filter(
        meeting=hybrid_meeting, disconnected_at__isnull=True
    )
    assert set(still_open.values_list("user_id", flat=True)) == {
        members[0].pk,
        members[1].pk,
        chair.pk,
        vice_chair.pk,
    }
    assert standing(hybrid_meeting, members[0]) == "counted_in_room"
    assert standing(hybrid_meeting, members[2]) == "not_identified"


def test_closing_the_meeting_ends_presence_at_the_room_and_minutes_say_in_the_room(
    hybrid_meeting: Meeting,
    chair: Any,
    secretary: Any,
    vice_chair: Any,
    members: list[Any],
    present: Callable[..., Connection],
) -> None:
    sign_in(secretary, hybrid_meeting, members[0], members[1])
    present(chair, hybrid_meeting)
    present(vice_chair, hybrid_meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=hybrid_meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=hybrid_meeting)
    assert not Connection.objects.filter(
        meeting=hybrid_meeting, disconnected_at__isnull=True
    ).exists()
    content = minutes_content(meeting=hybrid_meeting)
    present_rows = {row["user"]: row for row in content["present"]}
    assert "ในห้องประชุม" in present_rows[str(members[0].pk)]["attendance"]
    assert str(members[2].pk) not in present_rows
    checks = IdentityCheck.objects.filter(
        meeting=hybrid_meeting, method=CheckMethod.ROOM_SIGN_IN
    )
    assert checks.count() == 2


def test_a_member_on_leave_is_shown_so_until_they_come_after_all(
    hybrid_meeting: Meeting, secretary: Any, members: list[Any]
) -> None:
    record_absence(
        actor=members[3], meeting=hybrid_meeting, member=members[3], reason="ไปราชการ"
    )
    assert standing(hybrid_meeting, members[3]) == "on_leave"
    rows = {r["id"]: r for r in room_snapshot.participants(meeting=hybrid_meeting)}
    assert rows[str(members[3].pk)]["standing"] == "on_leave"
    sign_in(secretary, hybrid_meeting, members[3])
    assert standing(hybrid_meeting, members[3]) == "counted_in_room"
