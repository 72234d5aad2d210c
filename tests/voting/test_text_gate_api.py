"""The text gate on the voting endpoints (issue 15, F5): a lone surrogate in a poll
question or a dissent was a 500; now a 422 with the Thai reason, and nothing stored.
Arbitrary Unicode from Hypothesis: never a 5xx; what is accepted is stored in NFC."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from prachum.core.text import text_is_clean
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting.models import Dissent, Poll
from tests.text_strategies import draw_texts

# The real API (not tests.voting.urls): the gate is its parser.
pytestmark = pytest.mark.django_db


def _post_with(client: Client, url: str, body: dict[str, Any], text: str) -> Any:
    """``body`` with ``"__X__"`` replaced by ``text`` as JSON escapes (surrogates too)."""
    raw = json.dumps(body).replace('"__X__"', json.dumps(text))
    return client.post(url, raw, content_type="application/json")


def _thai(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "th"
    return client


def test_f5_a_lone_surrogate_in_a_poll_question_is_refused_not_a_500(
    room: Meeting, item: AgendaItem, secretary: Any, logged_in_en: Callable[..., Client]
) -> None:
    response = _post_with(
        _thai(logged_in_en(secretary)),
        f"/api/items/{item.pk}/polls",
        {"kind": "motion", "question": "__X__"},
        "อนุมัติ\udc00",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "INVALID_INPUT"
    assert [d["field"] for d in body["detail"]] == ["question"]
    assert "ตัวอักษรควบคุม" in body["detail"][0]["msg"]
    assert not Poll.objects.exists()


def test_f5_a_lone_surrogate_in_a_dissent_is_refused_not_a_500(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    logged_in_en: Callable[..., Client],
) -> None:
    response = _post_with(
        logged_in_en(voters[2]),
        f"/api/items/{item.pk}/dissents",
        {"opinion": "__X__"},
        "\ud800ไม่เห็นด้วย",
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == "opinion"
    assert not Dissent.objects.exists()


def test_arbitrary_unicode_as_a_poll_question_is_never_a_5xx(
    room: Meeting, item: AgendaItem, secretary: Any, logged_in_en: Callable[..., Client]
) -> None:
    client = logged_in_en(secretary)
    for text in draw_texts(50):
        response = _post_with(
            client,
            f"/api/items/{item.pk}/polls",
            {"kind": "motion", "question": "__X__"},
            text,
        )
        assert response.status_code < 500, (text, response.content)
        if not text_is_clean(text):
            assert response.status_code == 422, (text, response.content)
        elif response.status_code == 201:
            poll = Poll.objects.get(pk=response.json()["id"])
            assert poll.question == unicodedata.normalize("NFC", text).strip()
            poll.delete()
        else:
            assert response.status_code == 400, (text, response.content)
