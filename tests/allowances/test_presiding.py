"""Who presided when the chair was absent (R58): recorded by the secretary as an evidence
event, named in the minutes, paid the chair's rate (125 %) in the allowance list."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from prachum.allowances.services import compute_allowance_run
from prachum.committees.models import AllowanceRate
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.meetings.models import Meeting
from prachum.minutes import selectors as minutes_selectors
from prachum.minutes import wording
from prachum.minutes.services import (
    approve_minutes,
    designate_presiding,
    draft_minutes,
)
from prachum.room import lifecycle as room_lifecycle
from tests.fixtures.room import last_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def chairless_meeting(
    rate: AllowanceRate,
    notified_meeting: Meeting,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    present: Callable[..., Any],
) -> Meeting:
    """The chair is absent; the vice-chair, the secretary and member1-4 are present."""
    for user in (vice_chair, secretary, *members[:4]):
        present(user, notified_meeting)
    room_lifecycle.open_meeting(actor=secretary, meeting=notified_meeting)
    room_lifecycle.close_meeting(actor=secretary, meeting=notified_meeting)
    notified_meeting.refresh_from_db()
    return notified_meeting


def _lines(run: Any) -> dict[str, Any]:
    return {line.person.username: line for line in run.lines.select_related("person")}


def test_the_elected_presiding_member_is_recorded_and_paid_125_percent(
    chairless_meeting: Meeting, secretary: Any, members: list[Any]
) -> None:
    designate_presiding(
        actor=secretary,
        meeting=chairless_meeting,
        user=members[1],
        reason="ที่ประชุมเลือกกรรมการคนที่2 ทำหน้าที่ประธาน",
    )
    event = last_event(chairless_meeting, "meeting.presiding_designated")
    assert event.actor == secretary
    assert event.payload["user"] == str(members[1].pk)
    assert event.payload["chair_absent"] is True

    run = compute_allowance_run(actor=secretary, meeting=chairless_meeting)
    lines = _lines(run)
    assert run.presiding == members[1]
    assert lines["member2"].amount == Decimal("1250.00")
    assert lines["member2"].reason_code == "ALLOWANCE_PRESIDING"
    # the vice-chair, present but not presiding, is paid as the committee's rule says
    assert lines["vice_chair"].amount == Decimal("1000.00")
    assert run.total == sum(line.amount for line in lines.values())

    content = minutes_selectors.minutes_content(meeting=chairless_meeting)
    titles = {p["user"]: p["title"] for p in content["present"]}
    assert titles[str(members[1].pk)].endswith(wording.PRESIDING)
    assert not titles[str(members[0].pk)].endswith(wording.PRESIDING)


def test_without_a_record_the_vice_chair_presides(
    chairless_meeting: Meeting, secretary: Any
) -> None:
    run = compute_allowance_run(actor=secretary, meeting=chairless_meeting)
    assert _lines(run)["vice_chair"].amount == Decimal("1250.00")


def test_only_the_secretariat_and_only_someone_present(
    chairless_meeting: Meeting,
    secretary: Any,
    chair: Any,
    members: list[Any],
) -> None:
    with pytest.raises(PermissionDeniedError):
        designate_presiding(
            actor=members[0], meeting=chairless_meeting, user=members[0]
        )
    with pytest.raises(ServiceError) as absent:
        designate_presiding(actor=secretary, meeting=chairless_meeting, user=chair)
    assert absent.value.code == "NOT_PRESENT"
    with pytest.raises(ServiceError) as not_member:
        designate_presiding(actor=secretary, meeting=chairless_meeting, user=secretary)
    assert not_member.value.code == "NOT_A_MEMBER"


def test_a_closed_meeting_shows_minutes_pending_until_approved(
    chairless_meeting: Meeting,
    secretary: Any,
    chair: Any,
    members: list[Any],
    client: Any,
) -> None:
    from django.urls import reverse

    assert minutes_selectors.minutes_state(meeting=chairless_meeting) == (
        "minutes_pending"
    )
    client.force_login(secretary)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    page = client.get(reverse("meetings:detail", args=[chairless_meeting.pk]))
    assert b'id="minutes-state"' in page.content
    listed = client.get("/api/meetings").json()
    mine = next(m for m in listed if m["id"] == str(chairless_meeting.pk))
    assert mine["minutes_status"] == "minutes_pending"
    detail = client.get(f"/api/meetings/{chairless_meeting.pk}").json()
    assert detail["minutes_status"] == "minutes_pending"

    version = draft_minutes(actor=secretary, meeting=chairless_meeting)
    approve_minutes(actor=chair, version=version, method="circulation")

    assert minutes_selectors.minutes_state(meeting=chairless_meeting) == (
        "minutes_approved"
    )
    listed = client.get("/api/meetings").json()
    mine = next(m for m in listed if m["id"] == str(chairless_meeting.pk))
    assert mine["minutes_status"] == "minutes_approved"
    with pytest.raises(ServiceError) as locked:
        designate_presiding(actor=secretary, meeting=chairless_meeting, user=members[1])
    assert locked.value.code == "MINUTES_APPROVED"


def test_the_minutes_page_records_who_presided(
    chairless_meeting: Meeting, secretary: Any, members: list[Any], client: Any
) -> None:
    from django.urls import reverse

    def login(user: Any) -> None:
        client.force_login(user)
        session = client.session
        session["second_factor_ok"] = True
        session.save()

    url = reverse("minutes:presiding", args=[chairless_meeting.pk])
    login(members[0])
    client.post(url, {"user": str(members[0].pk), "reason": "ขอเป็นเอง"})
    assert minutes_selectors.presiding_designation(meeting=chairless_meeting) is None
    login(secretary)
    page = client.get(reverse("minutes:detail", args=[chairless_meeting.pk]))
    assert b'id="presiding-form"' in page.content
    client.post(url, {"user": str(members[2].pk), "reason": "ที่ประชุมเลือก"})
    designation = minutes_selectors.presiding_designation(meeting=chairless_meeting)
    assert designation is not None
    assert designation["user"] == str(members[2].pk)
    assert designation["reason"] == "ที่ประชุมเลือก"
