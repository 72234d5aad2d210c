"""The REST API: the same services as the pages, so the same events and refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs_are_served(
    logged_in: Callable[..., Client], member: Any
) -> None:
    client = logged_in(member)
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/meetings/{meeting_id}/agenda" in paths
    assert client.get("/api/docs").status_code == 200


def test_the_api_needs_a_session_past_the_second_factor(
    client: Client, member: Any
) -> None:
    assert client.get("/api/meetings").status_code == 401
    client.force_login(member)  # password only: no second factor in this session
    response = client.get("/api/meetings")
    assert response.status_code == 401
    assert response.json()["code"] == "SECOND_FACTOR_REQUIRED"


def test_a_member_reads_the_meeting_and_its_numbered_agenda(
    logged_in: Callable[..., Client], member: Any, meeting: Any
) -> None:
    body = logged_in(member).get(f"/api/meetings/{meeting.pk}").json()
    assert body["number"] == meeting.number
    assert [i["number"] for i in body["agenda"]] == ["1", "2", "3", "4", "5"]


def test_an_outsider_cannot_see_the_meeting(
    logged_in: Callable[..., Client], outsider: Any, meeting: Any
) -> None:
    assert logged_in(outsider).get(f"/api/meetings/{meeting.pk}").status_code == 404


def test_adding_an_item_through_the_api_and_the_page_records_the_same_event(
    logged_in: Callable[..., Client], secretary: Any, meeting: Any
) -> None:
    client = logged_in(secretary)
    section4 = meeting.agenda_items.get(position=400)
    api = client.post(
        f"/api/meetings/{meeting.pk}/agenda",
        {"title": "ผ่าน API", "parent_id": str(section4.pk)},
        content_type="application/json",
    )
    assert api.status_code == 201
    assert api.json()["number"] == "4.1"
    page = client.post(
        reverse("meetings:agenda_add", args=[meeting.pk]),
        {"title": "ผ่านหน้าเว็บ", "parent": str(section4.pk)},
    )
    assert page.status_code == 302
    added = [
        e
        for e in list_events(chain_key=meeting.chain_key)
        if e.kind == "agenda.item_added"
    ]
    assert [e.payload["title"] for e in added] == ["ผ่าน API", "ผ่านหน้าเว็บ"]
    assert {tuple(sorted(e.payload)) for e in added} == {
        tuple(sorted(added[0].payload))
    }
    assert added[0].payload["parent"] == added[1].payload["parent"] == str(section4.pk)


def test_the_api_refuses_markup_with_a_code_and_saves_nothing(
    logged_in: Callable[..., Client], secretary: Any, meeting: Any
) -> None:
    before = AgendaItem.objects.count()
    response = logged_in(secretary, "en").post(
        f"/api/meetings/{meeting.pk}/agenda",
        {"title": "<script>alert(1)</script>"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "MARKUP_NOT_ALLOWED"
    assert AgendaItem.objects.count() == before


def test_a_member_may_not_add_items(
    logged_in: Callable[..., Client], member: Any, meeting: Any
) -> None:
    response = logged_in(member).post(
        f"/api/meetings/{meeting.pk}/agenda",
        {"title": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "NOT_ALLOWED"
