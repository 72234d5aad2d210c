"""The room page: nothing of the room before the identity check, a frame after it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from prachum.meetings.models import Meeting
from prachum.room import participants as room_participants

pytestmark = pytest.mark.django_db


def _room(meeting: Meeting) -> str:
    return reverse("attendance:room", kwargs={"pk": meeting.pk})


def _check(meeting: Meeting) -> str:
    return reverse("attendance:check", kwargs={"pk": meeting.pk})


def test_room_sends_a_participant_to_the_identity_check_first(
    notified_meeting: Meeting, member: Any, client_for: Callable[..., Any]
) -> None:
    response = client_for(member).get(_room(notified_meeting))

    assert response.status_code == 302
    assert response["Location"] == _check(notified_meeting)


def test_no_room_state_reaches_the_browser_before_the_check(
    notified_meeting: Meeting,
    member: Any,
    members: list[Any],
    chair: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(chair, notified_meeting)
    client = client_for(member)

    followed = client.get(_room(notified_meeting), follow=True)

    assert followed.redirect_chain == [(_check(notified_meeting), 302)]
    body = followed.content.decode()
    # The check page shows the meeting but neither the roster nor the socket.
    assert notified_meeting.title in body
    for other in (chair, members[1]):
        assert other.display_name not in body
    assert "data-socket" not in body
    assert "room-labels" not in body


def test_the_room_frame_after_the_check_carries_no_state_either(
    notified_meeting: Meeting,
    member: Any,
    members: list[Any],
    chair: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(chair, notified_meeting)
    identified(member, notified_meeting)

    response = client_for(member).get(_room(notified_meeting))

    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-socket="/ws/meetings/{notified_meeting.pk}/"' in body
    assert "js/room.js" in body
    assert chair.display_name not in body  # the roster comes over the socket
    assert 'id="console"' not in body  # members have no console
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_chair_gets_the_console_frame(
    notified_meeting: Meeting,
    chair: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(chair, notified_meeting)

    body = client_for(chair).get(_room(notified_meeting)).content.decode()

    assert 'id="console"' in body
    assert reverse("attendance:vouch", kwargs={"pk": notified_meeting.pk}) in body


def test_a_removed_participant_is_sent_back_to_the_check(
    notified_meeting: Meeting,
    member: Any,
    chair: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(member, notified_meeting)
    room_participants.remove_participant(
        actor=chair, meeting=notified_meeting, user=member, reason="ทดสอบ"
    )
    client = client_for(member, "en")

    response = client.get(_room(notified_meeting))
    assert response["Location"] == _check(notified_meeting)
    page = client.post(
        _check(notified_meeting), {"location": "remote", "device_ok": "on"}
    )

    assert page.status_code == 400
    assert "The chair removed you from this meeting." in page.content.decode()


def test_an_invitee_waits_for_admission(
    notified_meeting: Meeting,
    invitee: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(invitee, notified_meeting)

    response = client_for(invitee, "en").get(_room(notified_meeting))

    assert response.status_code == 403
    assert "has not admitted you" in response.content.decode()
    assert "data-socket" not in response.content.decode()


def test_people_outside_the_committee_get_not_found(
    notified_meeting: Meeting, outsider: Any, client_for: Callable[..., Any]
) -> None:
    client = client_for(outsider)

    assert client.get(_room(notified_meeting)).status_code == 404
    assert client.get(_check(notified_meeting)).status_code == 404


def test_the_meeting_page_links_to_the_room_once_notified(
    meeting: Meeting,
    notify: Callable[[Meeting], Meeting],
    member: Any,
    client_for: Callable[..., Any],
) -> None:
    client = client_for(member)
    detail = reverse("meetings:detail", kwargs={"pk": meeting.pk})
    assert 'id="enter-room"' not in client.get(detail).content.decode()

    notify(meeting)

    body = client.get(detail).content.decode()
    assert 'id="enter-room"' in body
    assert _room(meeting) in body
