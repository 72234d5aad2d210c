"""The meeting's life over REST: the same services, refusals and evidence as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.notices.models import Notice, NoticeMessage
from prachum.notices.services import send_notice
from tests.conftest import bangkok_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def noticed_via_service(meeting: Meeting, chair: Any, secretary: Any) -> Meeting:
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    send_notice(actor=secretary, meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk)


def _json(when: dt.datetime) -> str:
    return when.isoformat()


def test_reschedule_through_the_api(
    client_for: Any, secretary: Any, member: Any, noticed_via_service: Meeting
) -> None:
    url = f"/api/meetings/{noticed_via_service.pk}/reschedule"
    new = bangkok_at(2)
    body = {
        "starts_at": _json(new),
        "ends_at": _json(new + dt.timedelta(hours=2)),
        "reason": "ประธานติดราชการ",
    }
    assert (
        client_for(member).post(url, body, content_type="application/json").status_code
        == 404
    )
    refused = client_for(secretary, "en").post(
        url, body, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "NOTICE_TOO_SHORT"

    later = bangkok_at(12)
    body["starts_at"], body["ends_at"] = (
        _json(later),
        _json(later + dt.timedelta(hours=1)),
    )
    done = client_for(secretary).post(url, body, content_type="application/json")
    assert done.status_code == 201, done.content
    data = done.json()
    first = (
        Notice.objects.filter(meeting=noticed_via_service).order_by("sent_at").first()
    )
    assert (data["kind"], data["supersedes_id"], data["recipients"]) == (
        "postponement",
        str(first.pk),
        9,
    )
    detail = client_for(member).get(f"/api/meetings/{noticed_via_service.pk}").json()
    assert dt.datetime.fromisoformat(detail["starts_at"]) == later
    assert detail["number"] == 1


def test_cancel_through_the_api(
    client_for: Any, secretary: Any, chair: Any, noticed_via_service: Meeting
) -> None:
    url = f"/api/meetings/{noticed_via_service.pk}/cancel"
    # The chair is not the secretariat: the meeting is not theirs to change (404).
    assert (
        client_for(chair)
        .post(url, {"reason": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    empty = client_for(secretary).post(
        url, {"reason": " "}, content_type="application/json"
    )
    assert empty.status_code == 400
    done = client_for(secretary).post(
        url, {"reason": "งบประมาณยังไม่อนุมัติ"}, content_type="application/json"
    )
    assert done.status_code == 201
    assert done.json()["kind"] == "cancellation"
    assert (
        Meeting.objects.get(pk=noticed_via_service.pk).status == MeetingStatus.CANCELLED
    )
    assert NoticeMessage.objects.filter(notice_id=done.json()["id"]).count() == 9
    again = client_for(secretary).post(
        url, {"reason": "ซ้ำ"}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (400, "CANNOT_CANCEL")


def test_delete_a_draft_through_the_api(
    client_for: Any, secretary: Any, member: Any, make_meeting: Any
) -> None:
    draft = make_meeting(days_ahead=9)
    listed = client_for(member).get("/api/meetings").json()
    assert [m["number"] for m in listed] == [None]
    assert client_for(member).delete(f"/api/meetings/{draft.pk}").status_code == 404
    done = client_for(secretary).delete(f"/api/meetings/{draft.pk}?reason=ซ้ำ")
    assert done.status_code == 204
    assert client_for(member).get("/api/meetings").json() == []
    assert client_for(member).get(f"/api/meetings/{draft.pk}").status_code == 404


def test_a_noticed_meeting_cannot_be_deleted_through_the_api(
    client_for: Any, secretary: Any, noticed_via_service: Meeting
) -> None:
    refused = client_for(secretary).delete(f"/api/meetings/{noticed_via_service.pk}")
    assert (refused.status_code, refused.json()["code"]) == (400, "NOT_A_DRAFT")


def test_follow_up_through_the_api(
    client_for: Any, secretary: Any, noticed_via_service: Meeting
) -> None:
    with time_machine.travel(noticed_via_service.starts_at + dt.timedelta(hours=2)):
        start = bangkok_at(5)
        done = client_for(secretary).post(
            f"/api/meetings/{noticed_via_service.pk}/follow-up",
            {
                "starts_at": _json(start),
                "ends_at": _json(start + dt.timedelta(hours=2)),
            },
            content_type="application/json",
        )
    assert done.status_code == 201, done.content
    data = done.json()
    assert data["adjourned_from_id"] == str(noticed_via_service.pk)
    assert data["status"] == "draft"
    follow_up = Meeting.objects.get(pk=data["id"])
    assert follow_up.adjourned_from_id == noticed_via_service.pk
