"""Challenges over REST and on their page (R75, R76): the same services, refusals and
evidence as the service tests in ``test_challenges.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import item_record
from prachum.voting.models import Challenge, Recusal

pytestmark = pytest.mark.django_db

FACTS = "เป็นคู่สมรสของผู้ยื่นคำขอ"


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_file_decide_and_flag_over_the_api(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
    logged_in_en: Callable[..., Client],
) -> None:
    member = logged_in_en(voters[2])
    refused = _post(
        member,
        f"/api/items/{item.pk}/challenges",
        {"member_id": str(voters[4].pk), "ground": "", "facts": FACTS},
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "CHALLENGE_INVALID")
    filed = _post(
        member,
        f"/api/items/{item.pk}/challenges",
        {"member_id": str(voters[4].pk), "ground": "s13_2", "facts": FACTS},
    )
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert (body["addressed_to"], body["outcome"]) == ("chair", "pending")
    listed = member.get(f"/api/items/{item.pk}/challenges").json()
    assert [c["id"] for c in listed] == [body["id"]]
    forbidden = _post(
        member,
        f"/api/challenges/{body['id']}/decision",
        {"votes_continue": 0, "votes_remove": 5},
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "NOT_ALLOWED")
    decided = _post(
        logged_in_en(chair),
        f"/api/challenges/{body['id']}/decision",
        {"votes_continue": 1, "votes_remove": 4},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["outcome"] == "upheld"
    assert decided.json()["recusal_id"] == str(
        Recusal.objects.get(item=item, member=voters[4]).pk
    )

    resolution = item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    url = f"/api/resolutions/{resolution.pk}/redo"
    assert _post(logged_in_en(secretary), url, {}).json()["code"] == "CHAIR_ONLY"
    flagged = _post(logged_in_en(chair), url, {"reason": "ทบทวน"})
    assert flagged.json() == {"id": str(resolution.pk), "redo_requested": True}


def test_the_page_files_and_decides_a_challenge_in_thai(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    client_for: Callable[..., Client],
) -> None:
    url = reverse("attendance:challenges", args=[room.pk])
    member = client_for(voters[2])
    page = member.get(url).content.decode()
    assert "ยื่นคำคัดค้าน" in page
    response = member.post(
        url,
        {
            "item": str(item.pk),
            "member": str(voters[4].pk),
            "ground": "",
            "facts": FACTS,
        },
    )
    assert response.status_code == 200
    assert not Challenge.objects.exists()
    response = member.post(
        url,
        {
            "item": str(item.pk),
            "member": str(voters[4].pk),
            "ground": "s16",
            "facts": FACTS,
        },
    )
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.addressed_to == "member"
    decide = reverse("attendance:challenge_decide", args=[room.pk, challenge.pk])
    client_for(chair).post(decide, {"votes_continue": 6, "votes_remove": 1})
    challenge.refresh_from_db()
    assert challenge.outcome == "rejected"
    assert "ไม่รับคำคัดค้าน" in client_for(chair).get(url).content.decode()
