"""Votes over the room socket: the same voting services as the REST API, the same
events, the same refusals (``ALREADY_VOTED``), and nothing of another meeting."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from prachum.committees.models import Membership, Role
from prachum.meetings.models import Meeting
from prachum.room.facts import current_item
from prachum.voting import ballots, polls
from prachum.voting.crypto import keeper
from prachum.voting.models import OpenBallot, Poll, VoteParticipation
from tests.realtime.conftest import (
    Client,
    Connect,
    Frame,
    identify,
    is_event,
    is_type,
    open_room,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _forget_poll_keys() -> Any:
    yield
    keeper._boxes.clear()


def _two_members(meeting: Meeting) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(
            committee=meeting.committee, role=Role.MEMBER
        ).order_by("user__username")[:2]
    ]


async def _in_room(connect_socket: Connect, user: Any, meeting: Meeting) -> Client:
    await database_sync_to_async(identify)(user, meeting)
    socket = await connect_socket(user, meeting)
    assert (await socket.receive())["type"] == "snapshot"
    return socket


async def _drain(socket: Client) -> None:
    while not await socket.nothing_more(0.2):
        await socket.receive()


async def _answer_and_event(socket: Client, ref: str, kind: str) -> Frame:
    """The ``ack`` for ``ref`` and the event ``kind``, in whichever order they come."""
    event: Frame | None = None
    acked = False
    while event is None or not acked:
        frame = await socket.receive()
        assert frame["type"] != "error", frame
        if frame["type"] == "ack" and frame["ref"] == ref:
            acked = True
        elif is_event(kind)(frame):
            event = frame
    return event


async def _open_motion(chair_socket: Client, meeting: Meeting) -> str:
    item = await database_sync_to_async(current_item)(meeting=meeting)
    await chair_socket.send(
        {
            "type": "poll.create",
            "ref": "c1",
            "item": str(item.pk),
            "kind": "motion",
            "question": "อนุมัติตามที่เสนอหรือไม่",
            "secret": False,
        }
    )
    created = await _answer_and_event(chair_socket, "c1", "poll.created")
    poll_id: str = created["patch"]["poll"]["id"]
    assert created["patch"]["poll"]["status"] == "draft"
    await chair_socket.send(
        {"type": "poll.open", "ref": "o1", "poll": poll_id, "reason": "การทดสอบระบบ"}
    )
    opened = await _answer_and_event(chair_socket, "o1", "poll.opened")
    assert opened["patch"]["poll"]["status"] == "open"
    return poll_id


async def test_a_ballot_over_the_socket_and_one_through_the_service_are_alike(
    connect_socket: Connect, room_meeting: Meeting, chair: Any
) -> None:
    first, second = await database_sync_to_async(_two_members)(room_meeting)
    chair_socket = await _in_room(connect_socket, chair, room_meeting)
    first_socket = await _in_room(connect_socket, first, room_meeting)
    second_socket = await _in_room(connect_socket, second, room_meeting)
    await database_sync_to_async(open_room)(room_meeting, chair)
    poll_id = await _open_motion(chair_socket, room_meeting)
    for socket in (chair_socket, first_socket, second_socket):
        await _drain(socket)

    await first_socket.send(
        {"type": "ballot.cast", "ref": "b1", "poll": poll_id, "choice": "yes"}
    )
    seen_by_chair = (await chair_socket.receive_until(is_type("poll.progress")))[0]
    ack, _ = await first_socket.receive_until(is_type("ack"))
    assert ack["ref"] == "b1"

    poll = await database_sync_to_async(Poll.objects.get)(pk=poll_id)
    await database_sync_to_async(ballots.cast_ballot)(
        voter=second, poll=poll, choice="yes"
    )
    seen_second = (await chair_socket.receive_until(is_type("poll.progress")))[0]

    assert seen_by_chair["poll"] == seen_second["poll"] == poll_id
    assert (seen_by_chair["cast"], seen_second["cast"]) == (1, 2)
    assert seen_by_chair["eligible"] == seen_second["eligible"] == 3
    assert set(seen_by_chair) == set(seen_second)
    assert seen_by_chair["ballot"]["voter"] == str(first.pk)
    assert seen_second["ballot"]["voter"] == str(second.pk)
    assert seen_by_chair["ballot"]["choice"] == seen_second["ballot"]["choice"]
    assert "version" not in seen_by_chair

    def stored() -> list[tuple[str, list[str]]]:
        return sorted(
            (str(b.voter_id), b.choice) for b in OpenBallot.objects.filter(poll=poll)
        )

    assert await database_sync_to_async(stored)() == sorted(
        [(str(first.pk), ["yes"]), (str(second.pk), ["yes"])]
    )

    # A second ballot over the socket is refused, and nothing changes.
    await _drain(first_socket)
    await first_socket.send(
        {"type": "ballot.cast", "ref": "b2", "poll": poll_id, "choice": "no"}
    )
    error, _ = await first_socket.receive_until(is_type("error"))
    assert error["code"] == "ALREADY_VOTED"
    assert error["ref"] == "b2"
    assert (
        await database_sync_to_async(
            VoteParticipation.objects.filter(poll_id=poll_id).count
        )()
        == 2
    )
    assert await chair_socket.nothing_more()

    await chair_socket.send(
        {"type": "poll.close", "ref": "x1", "poll": poll_id, "reason": "การทดสอบระบบ"}
    )
    closed = await _answer_and_event(chair_socket, "x1", "poll.closed")
    result = closed["patch"]["poll"]["result"]
    assert result["tally"] == {"yes": 2, "no": 0, "abstain": 0}
    assert sorted(b["voter"] for b in closed["patch"]["poll"]["ballots"]) == sorted(
        [str(first.pk), str(second.pk)]
    )


async def test_a_poll_of_another_meeting_is_not_found(
    connect_socket: Connect,
    room_meeting: Meeting,
    make_meeting: Any,
    chair: Any,
    member: Any,
) -> None:
    def other_poll() -> Poll:
        other = make_meeting(days_ahead=12, title="การประชุมอื่น")
        item = other.agenda_items.first()
        return polls.create_poll(actor=chair, item=item, kind="motion", question="อื่น")

    poll = await database_sync_to_async(other_poll)()
    socket = await _in_room(connect_socket, member, room_meeting)
    await database_sync_to_async(open_room)(room_meeting, chair)
    await socket.send(
        {"type": "ballot.cast", "ref": "n1", "poll": str(poll.pk), "choice": "yes"}
    )
    error, _ = await socket.receive_until(is_type("error"))
    assert error["code"] == "NOT_FOUND"
    assert error["ref"] == "n1"
    assert error["field"] == "poll"
    for frame in (
        {"type": "poll.open", "poll": str(poll.pk)},
        {"type": "resolution.record", "item": str(poll.item_id), "text": "มติ"},
    ):
        await socket.send({**frame, "ref": "n2"})
        error, _ = await socket.receive_until(is_type("error"))
        assert error["code"] == "NOT_FOUND", error
    assert not await database_sync_to_async(
        VoteParticipation.objects.filter(poll=poll).exists
    )()
