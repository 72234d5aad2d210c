"""Labels at the edge (issue 14 point 8): every event kind and choice has a translatable
label, clauses read as Thai law citations, money has thousands separators, and the
API's own refusals (unknown id, bad body) answer in the caller's language."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

import prachum
from prachum.core.citations import cite, explain_code, known_clauses
from prachum.core.events import EventKind, event_label
from prachum.core.templatetags.thai import money
from prachum.domain import reasons
from prachum.meetings.events import MeetingEvent


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _import_all(name: str) -> None:
    for module in pkgutil.iter_modules(prachum.__path__):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"prachum.{module.name}.{name}")


def test_every_event_kind_has_a_thai_label() -> None:
    _import_all("events")
    kinds = [m for enum in _subclasses(EventKind) for m in enum]  # type: ignore[attr-defined]
    assert len(kinds) > 90
    with translation.override("th"):
        unlabelled = [k.value for k in kinds if k.label == k.value]
        untranslated = [k.value for k in kinds if k.label.isascii()]
    assert not unlabelled, unlabelled
    assert not untranslated, untranslated


def test_the_kind_is_unchanged_and_reads_in_the_active_language() -> None:
    assert MeetingEvent.MEETING_SCHEDULED == "meeting.scheduled"
    assert str(MeetingEvent.MEETING_SCHEDULED) == "meeting.scheduled"
    assert MeetingEvent("meeting.scheduled") is MeetingEvent.MEETING_SCHEDULED
    with translation.override("th"):
        assert event_label("meeting.opened") == "เปิดประชุม"
    with translation.override("en"):
        assert event_label("meeting.opened") == "Meeting opened"
    assert event_label("no.such_kind") == "no.such_kind"


def test_every_choice_label_is_translatable() -> None:
    _import_all("models")
    raw = [
        f"{c.__module__}.{c.__qualname__}.{m.value}"
        for c in _subclasses(models.TextChoices)
        if c.__module__.startswith("prachum.")
        for m in c
        if not isinstance(m.label, Promise)
    ]
    assert not raw, raw


def test_clauses_read_as_thai_citations() -> None:
    with translation.override("th"):
        assert cite(reasons.APA_S82) == "พ.ร.บ.วิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 82"
        assert cite(reasons.APA_S79_P2) == (
            "พ.ร.บ.วิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 79 วรรคสอง"
        )
        assert (
            cite(reasons.RD_PER_MEETING)
            == "พ.ร.ฎ. เบี้ยประชุมกรรมการ พ.ศ. 2547 มาตรา 7(2)"
        )
        assert "[S]" not in cite(reasons.RD_SECRETARIES)
        for english, thai in known_clauses().items():
            assert re.search(r"[ก-๙]", thai), english
            assert not re.search(r"B\.E\.|\bs\.\d|\bss\.|\bparas?\b", thai), thai
        assert explain_code("NOT_ATTENDED") != "NOT_ATTENDED"
    with translation.override("en"):
        assert cite(reasons.APA_S82) == "APA B.E. 2539 s.82"
    assert explain_code("NO_SUCH_CODE") == "NO_SUCH_CODE"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("7250"), "7,250.00"),
        (Decimal("1250.5"), "1,250.50"),
        ("59812.50", "59,812.50"),
        (0, "0.00"),
        (None, ""),
        ("n/a", "n/a"),
    ],
)
def test_money_has_thousands_separators(value: Any, shown: str) -> None:
    assert money(value) == shown


def _browser(user: Any, language: str) -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


@pytest.mark.django_db
def test_api_refusals_answer_in_the_callers_language(secretary: Any) -> None:
    anonymous = Client(headers={"accept-language": "th"})
    response = anonymous.get("/api/meetings")
    assert response.status_code == 401
    assert response.json()["message"] == "กรุณาเข้าสู่ระบบก่อน"
    thai = _browser(secretary, "th")
    response = thai.get(f"/api/meetings/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert response.json()["message"].startswith("ไม่พบรายการ")
    response = thai.post(
        f"/api/meetings/{uuid.uuid4()}/agenda",
        data="{",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"
    english = _browser(secretary, "en")
    response = english.get(f"/api/meetings/{uuid.uuid4()}")
    assert response.json()["message"].startswith("Not found")


@pytest.mark.django_db
def test_a_missing_field_is_named_with_a_thai_message(
    secretary: Any, meeting: Any
) -> None:
    client = _browser(secretary, "th")
    response = client.post(
        f"/api/meetings/{meeting.pk}/agenda", data={}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "INVALID_INPUT"
    assert body["detail"][0]["field"] == "title"
    assert body["detail"][0]["msg"] == "กรุณากรอกข้อมูลนี้"


def test_automatic_incidents_read_as_sentences() -> None:
    from prachum.room import media
    from prachum.room.incident_text import incident_summary

    with translation.override("th"):
        for code in (
            media.MEDIA_SERVER_DOWN,
            media.MEDIA_ROOM_FAILED,
            media.MEDIA_LOST,
            media.MEDIA_NOT_RECORDING,
        ):
            text = incident_summary(
                kind="other", description=f"{code}: janus-1: [Errno 111] refused"
            )
            assert re.search(r"[ก-๙]", text), code
            assert "janus" not in text
            assert code not in text
        quorum = incident_summary(kind="quorum_lost", description="4/5")
        assert quorum == "นับเป็นองค์ประชุม 4 คน ต้องมีอย่างน้อย 5 คน"
        assert incident_summary(kind="reported", description="ภาพกระตุก") == "ภาพกระตุก"
        assert not incident_summary(
            kind="connection_lost", description="นายก ข", subject_name="นายก ข"
        )


@pytest.mark.django_db
def test_error_pages_are_thai(secretary: Any) -> None:
    browser = _browser(secretary, "th")
    missing = browser.get(f"/meetings/{uuid.uuid4()}/")
    assert missing.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in missing.content.decode()
    expired = Client(enforce_csrf_checks=True, headers={"accept-language": "th"})
    refused = expired.post("/accounts/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403
    assert "แบบฟอร์มหมดอายุ" in refused.content.decode()
