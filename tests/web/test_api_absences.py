"""Leave of absence over REST: the same service, refusals and evidence as the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def _url(meeting: Meeting, tail: str = "") -> str:
    return f"/api/meetings/{meeting.pk}/absences{tail}"


def test_a_member_takes_leave_and_sees_only_their_own(
    notified_meeting: Meeting,
    logged_in: Callable[..., Client],
    members: list[Any],
    secretary: Any,
) -> None:
    client = logged_in(members[0])
    response = client.post(
        _url(notified_meeting), {"reason": "ลาป่วย"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["member_id"], body["reason"]) == (str(members[0].pk), "ลาป่วย")
    logged_in(secretary).post(
        _url(notified_meeting),
        {"member_id": str(members[1].pk), "reason": "ติดราชการ"},
        content_type="application/json",
    )
    mine = client.get(_url(notified_meeting)).json()
    assert [a["member_id"] for a in mine] == [str(members[0].pk)]
    every = logged_in(secretary).get(_url(notified_meeting)).json()
    assert {a["member_id"] for a in every} == {str(members[0].pk), str(members[1].pk)}
    assert list_events(chain_key=notified_meeting.chain_key).last().kind == (
        "absence.recorded"
    )


def test_refusals_carry_their_codes(
    notified_meeting: Meeting, logged_in: Callable[..., Client], members: list[Any]
) -> None:
    client = logged_in(members[0])
    response = client.post(
        _url(notified_meeting),
        {"member_id": str(members[1].pk), "reason": "x"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "NOT_ALLOWED")
    response = client.post(
        _url(notified_meeting), {"reason": ""}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "REQUIRED")


def test_withdrawing_over_the_api(
    notified_meeting: Meeting, logged_in: Callable[..., Client], members: list[Any]
) -> None:
    client = logged_in(members[0])
    created = client.post(
        _url(notified_meeting), {"reason": "ลากิจ"}, content_type="application/json"
    ).json()
    response = client.post(_url(notified_meeting, f"/{created['id']}/withdraw"))
    assert response.status_code == 200
    assert response.json()["withdrawn_at"] is not None
    assert client.get(_url(notified_meeting)).json() == []
