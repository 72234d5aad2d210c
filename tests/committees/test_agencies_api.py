"""Agencies over REST (issue 14 point 1): operators list, add and change them through
the same services as the pages; others get nothing."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from prachum.committees.models import Agency
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import list_events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def png(height: int = 200) -> str:
    out = io.BytesIO()
    Image.new("RGB", (180, height), (200, 16, 46)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def api_client(user: Any) -> Client:
    client = Client(headers={"accept-language": "th"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def test_an_operator_adds_and_changes_an_agency_over_rest() -> None:
    client = api_client(UserFactory(username="ops", is_staff=True))
    created = client.post(
        "/api/agencies",
        {
            "name": "สำนักงานจังหวัดน่าน",
            "letter_code": "นน 0017.1",
            "head_name": "นายสมชาย ใจดี",
            "garuda_base64": png(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["garuda_url"] == f"/committees/agencies/{body['id']}/garuda/"
    assert client.get(body["garuda_url"])["Content-Type"] == "image/png"
    changed = client.patch(
        f"/api/agencies/{body['id']}",
        {"head_position": "ผู้ว่าราชการจังหวัดน่าน"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["head_position"] == "ผู้ว่าราชการจังหวัดน่าน"
    assert changed.json()["head_name"] == "นายสมชาย ใจดี"
    agency = Agency.objects.get()
    kinds = list_events(chain_key=agency.chain_key).values_list("kind", flat=True)
    assert list(kinds) == ["agency.created", "agency.updated"]
    listed = client.get("/api/agencies").json()
    assert [a["name"] for a in listed] == ["สำนักงานจังหวัดน่าน"]


def test_a_bad_emblem_over_rest_is_refused_in_thai() -> None:
    client = api_client(UserFactory(username="ops", is_staff=True))
    for emblem in (png(height=40), "not base64!"):
        response = client.post(
            "/api/agencies",
            {"name": "กรมทดสอบ", "letter_code": "ทส 01", "garuda_base64": emblem},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["code"] in {"GARUDA_TOO_SMALL", "GARUDA_INVALID"}
        assert "ตราครุฑ" in response.json()["message"]
    assert Agency.objects.count() == 0
    assert EvidenceEvent.objects.count() == 0


def test_people_who_are_not_operators_get_no_agencies_over_rest(
    secretary: Any, agency: Agency
) -> None:
    client = api_client(secretary)
    assert client.get("/api/agencies").status_code == 404
    refused = client.post(
        "/api/agencies",
        {"name": "กรมทดสอบ", "letter_code": "ทส 01"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert (
        client.patch(
            f"/api/agencies/{agency.pk}", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Agency.objects.count() == 1
