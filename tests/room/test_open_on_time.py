"""Opening on time: not earlier than the allowed margin before the noticed start
(issue 13, point 4); a cancelled meeting never opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prachum.attendance.models import RoomState
from prachum.core.errors import ServiceError
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.notices import changes
from prachum.room import lifecycle as room_lifecycle

pytestmark = pytest.mark.django_db

REASON = "ทดสอบการเปิดประชุม"


@pytest.fixture
def on_time(settings: Any) -> None:
    """The real margin (the test settings lift it for the other room tests)."""
    settings.MEETING_OPEN_EARLY_MINUTES = 30


def _open(meeting: Meeting, chair: Any) -> RoomState:
    return room_lifecycle.open_meeting(
        actor=chair, meeting=meeting, without_quorum_reason=REASON
    )


def test_the_default_margin_is_thirty_minutes_from_the_environment() -> None:
    from config import settings as project_settings

    assert project_settings.MEETING_OPEN_EARLY_MINUTES == 30


@pytest.mark.parametrize(
    "early", [dt.timedelta(days=4), dt.timedelta(minutes=31)], ids=["4d", "31m"]
)
def test_opening_too_early_is_refused_and_offers_rescheduling(
    on_time: None, notified_meeting: Meeting, chair: Any, early: dt.timedelta
) -> None:
    with (
        time_machine.travel(notified_meeting.starts_at - early, tick=False),
        translation.override("en"),
        pytest.raises(ServiceError) as caught,
    ):
        _open(notified_meeting, chair)

    assert caught.value.code == "TOO_EARLY"
    message = str(caught.value.message)
    assert "30 minutes before" in message
    assert "reschedule" in message
    assert Meeting.objects.get(pk=notified_meeting.pk).status == MeetingStatus.NOTIFIED


def test_the_refusal_is_in_thai_on_a_thai_screen(
    on_time: None, notified_meeting: Meeting, chair: Any
) -> None:
    with (
        time_machine.travel(notified_meeting.starts_at - dt.timedelta(days=4)),
        translation.override("th"),
        pytest.raises(ServiceError) as caught,
    ):
        _open(notified_meeting, chair)
    message = str(caught.value.message)
    assert "เลื่อนการประชุม" in message
    assert "30 นาที" in message


def test_opening_twenty_nine_minutes_early_is_allowed(
    on_time: None, notified_meeting: Meeting, chair: Any
) -> None:
    at = notified_meeting.starts_at - dt.timedelta(minutes=29)
    with time_machine.travel(at, tick=False):
        room = _open(notified_meeting, chair)

    assert room.opened_at == at
    assert Meeting.objects.get(pk=notified_meeting.pk).status == MeetingStatus.OPEN
    assert Meeting.objects.get(pk=notified_meeting.pk).held_at == at


def test_a_cancelled_meeting_cannot_open(
    notified_meeting: Meeting, chair: Any, secretary: Any
) -> None:
    changes.cancel_meeting(
        actor=secretary, meeting=notified_meeting, reason="ประธานติดภารกิจเร่งด่วน"
    )
    with pytest.raises(ServiceError) as caught:
        _open(notified_meeting, chair)
    assert caught.value.code == "CANNOT_OPEN"
    assert Meeting.objects.get(pk=notified_meeting.pk).status == "cancelled"


def test_the_console_shows_when_it_may_open_and_links_to_rescheduling(
    on_time: None,
    notified_meeting: Meeting,
    secretary: Any,
    chair: Any,
    identified: Any,
    client_for: Any,
) -> None:
    identified(secretary, notified_meeting)
    identified(chair, notified_meeting)
    link = reverse("meetings:reschedule", args=[notified_meeting.pk])

    page = client_for(secretary).get(
        reverse("attendance:room", args=[notified_meeting.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="open-window"' in html
    assert link in html
    assert "เลื่อนการประชุม" in html

    chair_page = client_for(chair).get(
        reverse("attendance:room", args=[notified_meeting.pk])
    )
    assert link not in chair_page.content.decode()  # the secretariat reschedules
