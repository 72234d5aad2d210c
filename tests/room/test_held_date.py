"""Every document written after the meeting dates it by the day it was held (the room's
``opened_at``), not by the noticed start (issue 13, point 4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from prachum.allowances.exports import payment_list
from prachum.allowances.services import compute_allowance_run
from prachum.committees.models import AllowanceRate
from prachum.domain.thai_dates import format_thai_date
from prachum.meetings.models import Meeting
from prachum.minutes.selectors import minutes_content
from prachum.room import lifecycle as room_lifecycle

pytestmark = pytest.mark.django_db


def test_minutes_allowances_and_the_list_show_the_day_held(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    committee: Any,
    client_for: Any,
) -> None:
    AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("1000.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=365),
        source="กค 0406.4/ว 100",
    )
    # The chair opens a day after the noticed day (opening late is allowed).
    held = notified_meeting.starts_at + dt.timedelta(days=1)
    with time_machine.travel(held, tick=False):
        room_lifecycle.open_meeting(
            actor=chair, meeting=notified_meeting, without_quorum_reason="ทดสอบ"
        )
    with time_machine.travel(held + dt.timedelta(hours=1), tick=False):
        room_lifecycle.close_meeting(actor=chair, meeting=notified_meeting)
        run = compute_allowance_run(actor=secretary, meeting=notified_meeting)

    meeting = Meeting.objects.get(pk=notified_meeting.pk)
    noticed_day = format_thai_date(meeting.starts_at)
    held_day = format_thai_date(held)
    assert noticed_day != held_day
    assert meeting.held_at == held
    assert meeting.held_elsewhen

    assert held_day in minutes_content(meeting=meeting)["date"]
    subtitle = str(payment_list(run).subtitle)
    assert held_day in subtitle
    assert noticed_day not in subtitle
    assert "1/" in subtitle  # the number given by the notice

    home = client_for(secretary).get(reverse("meetings:home")).content.decode()
    row = home[home.index(meeting.title) :]
    assert held_day in row
    detail = client_for(secretary).get(reverse("meetings:detail", args=[meeting.pk]))
    assert 'id="held-at"' in detail.content.decode()
