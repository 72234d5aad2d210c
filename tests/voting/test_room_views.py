"""The room's vote forms over HTTP (no socket): the same voting services, the same
refusals as messages, and the meeting cannot close while a vote is live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from prachum.core.errors import ServiceError
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.room import snapshot as room_snapshot
from prachum.voting.models import (
    Dissent,
    OpenBallot,
    Poll,
    PollStatus,
    Resolution,
    VoteParticipation,
)

pytestmark = pytest.mark.django_db


def _url(name: str, meeting: Meeting) -> str:
    return reverse(f"attendance:{name}", kwargs={"pk": meeting.pk})


def _post(client: Client, url: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """POST a room form; the messages it leaves for the room page (then forgets them)."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    session = client.session
    session.pop("_messages", None)
    session.save()
    return shown


def test_a_whole_open_vote_from_the_room_forms(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    logged_in_en: Callable[..., Client],
) -> None:
    console = logged_in_en(chair)
    assert _post(
        console,
        _url("poll_create", room),
        {"item": item.pk, "kind": "motion", "question": "อนุมัติ", "secret": "false"},
    ) == [
        (
            "success",
            "A vote on agenda item 1 is prepared; open it when the meeting is ready "
            "to vote.",
        )
    ]
    poll = Poll.objects.get(item=item)
    assert not poll.is_secret
    assert _post(console, _url("poll_open", room), {"poll": poll.pk}) == [
        ("success", "The vote on agenda item 1 is open.")
    ]
    snapshot = room_snapshot.room_snapshot(meeting=room, user=voters[1])
    assert snapshot["poll"]["id"] == str(poll.pk)
    assert snapshot["poll"]["me"] == {"eligible": True, "voted": False}

    for voter, choice in zip(voters[:3], ["yes", "yes", "no"], strict=True):
        assert _post(
            logged_in_en(voter),
            _url("ballot", room),
            {"poll": poll.pk, "choice": choice},
        ) == [("success", "Your ballot is cast.")]
    again = _post(
        logged_in_en(voters[0]), _url("ballot", room), {"poll": poll.pk, "choice": "no"}
    )
    assert again[0][0] == "error"
    assert "already voted" in again[0][1]
    assert VoteParticipation.objects.filter(poll=poll).count() == 3
    assert OpenBallot.objects.get(poll=poll, voter=voters[0]).choice == ["yes"]

    with pytest.raises(ServiceError) as refused:
        room_lifecycle.close_meeting(actor=chair, meeting=room)
    assert refused.value.code == "POLL_IN_PROGRESS"
    closing = _post(console, _url("close", room), {})
    assert closing[0][0] == "error"

    assert _post(console, _url("poll_close", room), {"poll": poll.pk}) == [
        ("success", "The vote on agenda item 1 is closed: yes 2, no 1, abstain 0.")
    ]
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    assert room_snapshot.room_snapshot(meeting=room, user=chair)["poll"] is None

    assert _post(
        console,
        _url("resolution", room),
        {"item": item.pk, "text": "ที่ประชุมมีมติอนุมัติ", "poll": poll.pk},
    ) == [("success", "The resolution on agenda item 1 is recorded.")]
    assert Resolution.objects.get(item=item).poll == poll
    assert _post(
        console,
        _url("dissent", room),
        {"item": item.pk, "member": voters[2].pk, "opinion": "ไม่เห็นด้วยเพราะงบประมาณ"},
    ) == [
        (
            "success",
            f"The dissenting opinion of {voters[2].display_name} on agenda item 1 "
            "is recorded.",
        )
    ]
    assert Dissent.objects.get(item=item).member == voters[2]
    assert _post(console, _url("close", room), {}) == [
        ("success", "The meeting is closed.")
    ]


def test_a_poll_of_another_meeting_is_not_found(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    make_poll: Callable[..., Poll],
    make_meeting: Callable[..., Meeting],
    logged_in_en: Callable[..., Client],
) -> None:
    poll = make_poll(item)
    other = make_meeting()
    response = logged_in_en(voters[1]).post(
        _url("ballot", other), {"poll": poll.pk, "choice": "yes"}
    )
    assert response.status_code == 404
    response = logged_in_en(voters[1]).post(
        _url("ballot", room), {"poll": "not-a-uuid", "choice": "yes"}
    )
    assert response.status_code == 404
    assert not VoteParticipation.objects.filter(poll=poll).exists()


def test_members_may_not_manage_votes_over_http(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    logged_in_en: Callable[..., Client],
) -> None:
    messages = _post(
        logged_in_en(voters[3]),
        _url("poll_create", room),
        {"item": item.pk, "kind": "motion", "question": "อนุมัติ"},
    )
    assert messages == [("error", "Only the chair or the secretary may manage votes.")]
    assert not Poll.objects.exists()
