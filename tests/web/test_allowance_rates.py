"""Allowance rates without a shell (issue 14 point 3; R57): the committee page links to
the rate page, the secretary adds a rate there or over REST (the same service and
evidence), members only read, and an allowance page with no rate in force says so and
links to the rate page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.committees.models import AllowanceRate, Committee
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_the_secretary_sets_a_rate_from_the_committee_page(
    committee: Committee, secretary: Any, logged_in: Callable[..., Client]
) -> None:
    client = logged_in(secretary)
    detail = client.get(reverse("committees:detail", kwargs={"pk": committee.pk}))
    rates_url = reverse("committees:rates", kwargs={"pk": committee.pk})
    assert rates_url in detail.content.decode()
    page = client.get(rates_url)
    assert "ยังไม่มีอัตราเบี้ยประชุม" in page.content.decode()
    response = client.post(
        rates_url,
        {
            "kind": "per_meeting",
            "member_amount": "1250.00",
            "valid_from": "2026-10-01",
            "source": "หนังสือกระทรวงการคลัง ที่ กค 0408/ว 59",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "1,250.00" in text
    assert "1 ตุลาคม 2569" in text
    rate = AllowanceRate.objects.get(committee=committee)
    assert (str(rate.member_amount), rate.valid_to) == ("1250.00", None)
    again = client.post(
        rates_url,
        {"kind": "per_meeting", "member_amount": "1500", "valid_from": "2026-09-01"},
    )
    assert again.status_code == 200  # refused, shown on the form
    assert "มีอัตราที่เริ่มใช้ในหรือหลังวันที่ดังกล่าวอยู่แล้ว" in again.content.decode()
    assert AllowanceRate.objects.filter(committee=committee).count() == 1


def test_a_member_reads_the_rates_but_cannot_set_one(
    committee: Committee, member: Any, logged_in: Callable[..., Client]
) -> None:
    client = logged_in(member)
    rates_url = reverse("committees:rates", kwargs={"pk": committee.pk})
    page = client.get(rates_url)
    assert page.status_code == 200
    assert 'id="rate-form"' not in page.content.decode()
    response = client.post(
        rates_url,
        {"kind": "per_meeting", "member_amount": "1", "valid_from": "2026-10-01"},
    )
    assert response.status_code == 404
    assert not AllowanceRate.objects.filter(committee=committee).exists()


def test_rates_over_rest(
    committee: Committee,
    secretary: Any,
    member: Any,
    outsider: Any,
    logged_in: Callable[..., Client],
) -> None:
    url = f"/api/committees/{committee.pk}/rates"
    client = logged_in(secretary)
    created = client.post(
        url,
        {"member_amount": "1000", "valid_from": "2026-01-01", "source": "ก"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    client.post(
        url,
        {"member_amount": "1200", "valid_from": "2026-07-01"},
        content_type="application/json",
    )
    listed = logged_in(member).get(url).json()
    assert [(r["member_amount"], r["valid_to"]) for r in listed] == [
        ("1000.00", "2026-06-30"),
        ("1200.00", None),
    ]
    negative = client.post(
        url,
        {"member_amount": "-1", "valid_from": "2027-01-01"},
        content_type="application/json",
    )
    assert negative.status_code in (400, 422)
    refused = logged_in(member).post(
        url,
        {"member_amount": "5", "valid_from": "2027-01-01"},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "NOT_ALLOWED")
    assert logged_in(outsider).get(url).status_code == 404
    kinds = [e.kind for e in list_events(chain_key=f"committee:{committee.pk}")]
    assert kinds.count("committee.allowance_rate_set") == 2


def test_the_allowance_page_without_a_rate_links_to_the_rate_page(
    notified_meeting: Meeting, secretary: Any, logged_in: Callable[..., Client]
) -> None:
    AllowanceRate.objects.filter(committee=notified_meeting.committee).delete()
    page = logged_in(secretary).get(
        reverse("allowances:meeting", kwargs={"pk": notified_meeting.pk})
    )
    text = page.content.decode()
    assert 'id="no-rate"' in text
    assert (
        reverse("committees:rates", kwargs={"pk": notified_meeting.committee_id})
        in text
    )
