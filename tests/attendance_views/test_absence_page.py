"""The leave page (ลาประชุม), linked from the meeting page: a member for themselves, the
secretary for a member; in Thai."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.attendance.models import Absence
from prachum.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_the_meeting_page_links_to_the_leave_page(
    notified_meeting: Meeting, client_for: Callable[..., Client], members: list[Any]
) -> None:
    page = client_for(members[0]).get(
        reverse("meetings:detail", args=[notified_meeting.pk])
    )
    body = page.content.decode()
    assert reverse("attendance:absence", args=[notified_meeting.pk]) in body
    assert "แจ้งลาประชุม" in body


def test_a_member_records_their_own_leave_on_the_page(
    notified_meeting: Meeting, client_for: Callable[..., Client], members: list[Any]
) -> None:
    client = client_for(members[0])
    url = reverse("attendance:absence", args=[notified_meeting.pk])
    page = client.get(url)
    assert 'name="member"' not in page.content.decode()
    response = client.post(url, {"reason": "ติดภารกิจราชการ"})
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.member, absence.reason) == (members[0], "ติดภารกิจราชการ")
    assert "ติดภารกิจราชการ" in client.get(url).content.decode()


def test_the_secretary_records_and_withdraws_leave_for_a_member(
    notified_meeting: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
    members: list[Any],
) -> None:
    client = client_for(secretary)
    url = reverse("attendance:absence", args=[notified_meeting.pk])
    assert "บันทึกการลาประชุมแทนกรรมการ" in client.get(url).content.decode()
    client.post(url, {"member": str(members[2].pk), "reason": "ลาป่วย"})
    absence = Absence.objects.get()
    assert (absence.member, absence.recorded_by) == (members[2], secretary)
    withdraw = reverse(
        "attendance:absence_withdraw", args=[notified_meeting.pk, absence.pk]
    )
    assert client.post(withdraw).status_code == 302
    absence.refresh_from_db()
    assert absence.withdrawn_at is not None


def test_a_reason_is_required_on_the_page(
    notified_meeting: Meeting, client_for: Callable[..., Client], members: list[Any]
) -> None:
    client = client_for(members[0])
    url = reverse("attendance:absence", args=[notified_meeting.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert not Absence.objects.exists()


def test_a_member_cannot_withdraw_someone_elses_leave(
    notified_meeting: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
    members: list[Any],
) -> None:
    client_for(secretary).post(
        reverse("attendance:absence", args=[notified_meeting.pk]),
        {"member": str(members[2].pk), "reason": "ลาป่วย"},
    )
    absence = Absence.objects.get()
    withdraw = reverse(
        "attendance:absence_withdraw", args=[notified_meeting.pk, absence.pk]
    )
    assert client_for(members[0]).post(withdraw).status_code == 404
    absence.refresh_from_db()
    assert absence.withdrawn_at is None
