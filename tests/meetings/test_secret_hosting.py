"""R44: secret meetings and items only on a deployment declared in the Kingdom."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.meetings import services
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from tests.conftest import bangkok_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def abroad(settings: Any) -> None:
    settings.HOSTING_COUNTRY = "SG"
    settings.SERVICE_COUNTRY = "TH"


def _counts() -> tuple[int, int, int]:
    return (
        Meeting.objects.count(),
        AgendaItem.objects.count(),
        EvidenceEvent.objects.count(),
    )


def _schedule(secretary: Any, committee: Any, *, is_secret: bool) -> Meeting:
    return services.schedule_meeting(
        actor=secretary,
        committee=committee,
        title="การประชุมลับ",
        starts_at=bangkok_at(7),
        ends_at=bangkok_at(7, hour=12),
        mode=MeetingMode.ELECTRONIC,
        is_secret=is_secret,
    )


def test_a_secret_meeting_is_refused_unless_declared_in_the_kingdom(
    abroad: None, committee: Any, secretary: Any
) -> None:
    before = _counts()
    with pytest.raises(ServiceError) as caught:
        _schedule(secretary, committee, is_secret=True)
    assert (caught.value.code, caught.value.field) == (
        "SECRET_NOT_HOSTED_IN_KINGDOM",
        "is_secret",
    )
    assert _counts() == before
    # An ordinary meeting is not affected.
    assert not _schedule(secretary, committee, is_secret=False).is_secret


def test_serviced_abroad_is_refused_too(
    settings: Any, committee: Any, secretary: Any
) -> None:
    settings.SERVICE_COUNTRY = ""
    with pytest.raises(ServiceError):
        _schedule(secretary, committee, is_secret=True)


def test_declared_in_the_kingdom_a_secret_meeting_is_scheduled(
    committee: Any, secretary: Any
) -> None:
    assert _schedule(secretary, committee, is_secret=True).is_secret


def test_a_secret_item_is_refused_on_add_and_on_edit(
    abroad: None, meeting: Meeting, secretary: Any
) -> None:
    before = _counts()
    with pytest.raises(ServiceError) as caught:
        services.add_agenda_item(
            actor=secretary, meeting=meeting, title="เรื่องลับ", is_secret=True
        )
    assert caught.value.code == "SECRET_NOT_HOSTED_IN_KINGDOM"
    assert _counts() == before
    item = services.add_agenda_item(actor=secretary, meeting=meeting, title="เรื่องทั่วไป")
    with pytest.raises(ServiceError):
        services.update_agenda_item(
            actor=secretary, item=item, title="เรื่องทั่วไป", is_secret=True
        )
    item.refresh_from_db()
    assert not item.is_secret


def test_an_item_already_secret_may_still_be_edited(
    settings: Any, meeting: Meeting, secretary: Any
) -> None:
    item = services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เรื่องลับ", is_secret=True
    )
    settings.HOSTING_COUNTRY = "SG"
    services.update_agenda_item(
        actor=secretary, item=item, title="เรื่องลับ (แก้ไข)", is_secret=True
    )
    item.refresh_from_db()
    assert item.title == "เรื่องลับ (แก้ไข)"


def test_the_agenda_form_shows_the_refusal_in_thai(
    abroad: None,
    meeting: Meeting,
    secretary: Any,
    client_for: Callable[..., Client],
) -> None:
    response = client_for(secretary).post(
        reverse("meetings:agenda_add", args=[meeting.pk]),
        {"title": "เรื่องลับ", "is_secret": "on"},
        HTTP_ACCEPT_LANGUAGE="th",
    )
    assert response.status_code == 400
    assert "ติดตั้งและให้บริการในประเทศไทย" in response.content.decode()
    assert not meeting.agenda_items.filter(title="เรื่องลับ").exists()
