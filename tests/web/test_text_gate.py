"""The one text gate (issue 15 point 4, F5 and F10): every text that enters through the
API, the pages and the room socket is refused with a clear error when it carries a lone
surrogate, NUL or another control character, a bidi override or a noncharacter, and is
stored NFC-normalised otherwise. Never a 5xx."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance.models import Absence, Incident
from prachum.core.text import text_is_clean
from prachum.meetings.models import AgendaItem, Meeting
from tests.text_strategies import draw_texts

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) PrachumApiTest/2.0"


def _post_raw(client: Client, url: str, body: str, **extra: Any) -> Any:
    """``body`` as typed, so a lone surrogate escape reaches the server unchanged."""
    return client.post(url, body, content_type="application/json", **extra)


def _entered(client: Client, meeting: Meeting, user: Any) -> None:
    SecondFactorVerification.objects.create(user=user, method="totp")
    response = client.post(
        f"/api/meetings/{meeting.pk}/identity-check",
        {"location": "remote", "device_ok": True},
        content_type="application/json",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 201


@pytest.fixture(autouse=True)
def _in_memory_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }


def _assert_invalid_text(response: Any) -> None:
    assert response.status_code in {400, 422}, response.content
    body = response.json()
    assert body["code"] in {"INVALID_INPUT", "INVALID_TEXT"}
    assert body["message"]


def test_f5_a_lone_surrogate_in_an_incident_is_refused_not_a_500(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    _entered(client, notified_meeting, member)
    response = _post_raw(
        client,
        f"/api/meetings/{notified_meeting.pk}/incidents",
        '{"description": "\\udc00x"}',
    )
    _assert_invalid_text(response)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("field", ["title", "description"])
def test_f5_a_lone_surrogate_in_an_agenda_item_is_refused_not_a_500(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting, field: str
) -> None:
    before = AgendaItem.objects.count()
    body = {"title": "วาระทดสอบ", field: "__X__"}
    raw = json.dumps(body).replace("__X__", "\\ud800abc")
    response = _post_raw(
        logged_in(secretary), f"/api/meetings/{meeting.pk}/agenda", raw
    )
    _assert_invalid_text(response)
    assert AgendaItem.objects.count() == before


@pytest.mark.parametrize(
    "title",
    [
        "abc\u202eexe.pdf",
        "abc\x00def",
        "a\u2066b\u2069",
        "a\x07b",
        "a\x85b",
        "a\ufffeb",
    ],
)
def test_f10_nul_controls_and_bidi_overrides_in_an_agenda_title_are_refused(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting, title: str
) -> None:
    before = AgendaItem.objects.count()
    response = logged_in(secretary).post(
        f"/api/meetings/{meeting.pk}/agenda",
        {"title": title},
        content_type="application/json",
    )
    _assert_invalid_text(response)
    assert AgendaItem.objects.count() == before


def test_f10_a_bidi_override_typed_in_the_agenda_page_is_a_form_error(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting
) -> None:
    before = AgendaItem.objects.count()
    response = logged_in(secretary).post(
        reverse("meetings:agenda_add", args=[meeting.pk]),
        {"title": "abc\u202eexe.pdf"},
    )
    assert response.status_code == 400
    assert "ตัวอักษรควบคุม" in response.content.decode()
    assert AgendaItem.objects.count() == before


def test_thai_is_stored_nfc_normalised_and_newlines_stay_in_a_description(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting
) -> None:
    # A tone mark typed before the vowel below (ก + MAI EK + SARA U) is the same text
    # as the vowel first; NFC puts it in canonical order, and that is what is stored.
    decomposed = "ปู\u0e48 ก\u0e48\u0e38 Cafe\u0301"
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    response = logged_in(secretary).post(
        f"/api/meetings/{meeting.pk}/agenda",
        {"title": "วาระ" + decomposed, "description": "บรรทัดแรก\nบรรทัดสอง\tจบ"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    item = AgendaItem.objects.get(pk=response.json()["id"])
    assert item.title == unicodedata.normalize("NFC", "วาระ" + decomposed)
    assert item.description == "บรรทัดแรก\nบรรทัดสอง\tจบ"


# --- arbitrary Unicode through every kind of door (Hypothesis) ------------------------

EXAMPLES = 50


def _json_with(text: str, **body: Any) -> str:
    """``body`` as JSON with ``text`` wherever the value is ``"__X__"`` (escapes kept)."""
    return json.dumps(body).replace('"__X__"', json.dumps(text))


def _check_api_answer(text: str, response: Any) -> bool:
    """Never a 5xx; refused text is a 422; True when the text was accepted."""
    assert response.status_code < 500, (text, response.content)
    if not text_is_clean(text):
        assert response.status_code == 422, (text, response.content)
        assert response.json()["code"] == "INVALID_INPUT"
        return False
    if response.status_code >= 400:  # blank, too long, markup: the service's reasons
        assert response.json()["code"] in {"REQUIRED", "TOO_LONG", "MARKUP_NOT_ALLOWED"}
        return False
    return True


@pytest.mark.parametrize("field", ["title", "description"])
def test_arbitrary_unicode_in_an_api_agenda_item_is_never_a_5xx(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting, field: str
) -> None:
    client = logged_in(secretary)
    for text in draw_texts(EXAMPLES):
        body = {"title": "วาระ", field: "__X__"}
        response = _post_raw(
            client, f"/api/meetings/{meeting.pk}/agenda", _json_with(text, **body)
        )
        if _check_api_answer(text, response):
            item = AgendaItem.objects.get(pk=response.json()["id"])
            stored = unicodedata.normalize("NFC", text)
            expected = " ".join(stored.split()) if field == "title" else stored.strip()
            assert getattr(item, field) == expected


def test_arbitrary_unicode_in_an_api_incident_is_never_a_5xx(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    _entered(client, notified_meeting, member)
    for text in draw_texts(EXAMPLES):
        response = _post_raw(
            client,
            f"/api/meetings/{notified_meeting.pk}/incidents",
            _json_with(text, description="__X__"),
        )
        if _check_api_answer(text, response):
            incident = Incident.objects.get(pk=response.json()["id"])
            assert incident.description == unicodedata.normalize("NFC", text).strip()


def test_arbitrary_unicode_in_an_api_leave_reason_is_never_a_5xx(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    for text in draw_texts(EXAMPLES):
        response = _post_raw(
            client,
            f"/api/meetings/{notified_meeting.pk}/absences",
            _json_with(text, reason="__X__"),
        )
        if _check_api_answer(text, response):
            absence = Absence.objects.get(pk=response.json()["id"])
            assert absence.reason == unicodedata.normalize("NFC", text).strip()
            absence.delete()  # one leave per member: make room for the next example


def _form_post(client: Client, url: str, **fields: str) -> Any:
    """A form posted as a browser would encode it; a lone surrogate goes as the bytes
    an attacker could send (``surrogatepass``), which Django reads as U+FFFD."""
    body = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in fields.items()})
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _as_received(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def test_arbitrary_unicode_in_the_agenda_form_is_never_a_5xx(
    logged_in: Callable[..., Client], secretary: Any, meeting: Meeting
) -> None:
    client = logged_in(secretary)
    url = reverse("meetings:agenda_add", args=[meeting.pk])
    for text in draw_texts(EXAMPLES):
        before = set(AgendaItem.objects.values_list("pk", flat=True))
        response = _form_post(client, url, title=text)
        assert response.status_code in {302, 400}, (text, response.status_code)
        received = _as_received(text)
        if not text_is_clean(received):
            assert response.status_code == 400, (text, response.status_code)
            assert "ตัวอักษรควบคุม" in response.content.decode(), text
        if response.status_code == 302:
            (new,) = AgendaItem.objects.exclude(pk__in=before)
            assert new.title == " ".join(unicodedata.normalize("NFC", received).split())


def test_arbitrary_unicode_in_the_leave_form_is_never_a_5xx(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    url = reverse("attendance:absence", args=[notified_meeting.pk])
    for text in draw_texts(EXAMPLES):
        response = _form_post(client, url, reason=text)
        assert response.status_code in {200, 302, 400}, (text, response.status_code)
        received = _as_received(text)
        if not text_is_clean(received):
            assert response.status_code != 302, text
            assert "ตัวอักษรควบคุม" in response.content.decode(), text
        if response.status_code == 302:
            absence = Absence.objects.get()
            stored = unicodedata.normalize("NFC", received).strip()
            assert absence.reason == stored
            absence.delete()
