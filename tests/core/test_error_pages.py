"""The server-error page tells a database outage (503, try again) from a fault (500)."""

from __future__ import annotations

import json

from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from prachum.core.error_pages import server_error


def _answer(path: str, exc: Exception) -> tuple[int, str, str | None]:
    request = RequestFactory().get(path)
    with translation.override("th"):
        try:
            raise exc
        except Exception:
            response = server_error(request)
    return response.status_code, response.content.decode(), response.get("Retry-After")


def test_a_database_outage_is_a_thai_503_page_that_asks_to_try_again() -> None:
    status, body, retry = _answer("/meetings/", OperationalError("server closed"))
    assert (status, retry) == (503, "10")
    assert "ฐานข้อมูล" in body
    assert "server closed" not in body  # no internals on the page


def test_a_database_outage_on_the_api_is_its_error_shape() -> None:
    status, body, _ = _answer("/api/meetings/", OperationalError("down"))
    assert status == 503
    answer = json.loads(body)
    assert answer["code"] == "DATABASE_UNAVAILABLE"
    assert "ฐานข้อมูล" in answer["message"]


def test_any_other_fault_stays_a_500() -> None:
    status, body, retry = _answer("/meetings/", ValueError("bug"))
    assert (status, retry) == (500, None)
    assert "ฐานข้อมูล" not in body
