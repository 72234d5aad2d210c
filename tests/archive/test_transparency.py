"""The transparency list (issue 16 point 5): a page reached from the evidence page and a
public REST endpoint, per sealed meeting: chain head, seal time, TSA time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import Seal
from prachum.evidence.sealing import seal_chain
from prachum.evidence.services import append_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_meeting(meeting: Any) -> tuple[Any, Seal]:
    with transaction.atomic():
        append_event(
            chain_key=meeting.chain_key,
            kind=EvidenceChainEvent.EVIDENCE_PACKAGE_DOWNLOADED,
            actor=None,
            payload={"package": "x", "sha256": "0" * 64, "ip": None},
        )
        seal = seal_chain(chain_key=meeting.chain_key, actor=None)
    return meeting, seal


def _stamp(seal: Seal, at: dt.datetime) -> None:
    with transaction.atomic():
        append_event(
            chain_key=seal.chain.key,
            kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
            actor=None,
            payload={"seal_length": seal.length, "tsa_time": at.isoformat()},
        )


def test_the_api_lists_each_seal_with_its_head_and_tsa_time(
    sealed_meeting: tuple[Any, Seal], client: Client
) -> None:
    meeting, seal = sealed_meeting
    url = reverse("api:list_seals")
    (row,) = client.get(url).json()  # public: no login
    assert row["meeting_id"] == str(meeting.pk)
    assert row["head"] == seal.head_hash
    assert row["length"] == seal.length
    assert row["tsa_time"] is None
    at = dt.datetime(2026, 12, 7, 3, 4, 5, tzinfo=dt.UTC)
    _stamp(seal, at)
    (row,) = client.get(url).json()
    assert dt.datetime.fromisoformat(row["tsa_time"].replace("Z", "+00:00")) == at
    assert "title" not in row
    assert meeting.title not in str(row)


def test_the_page_is_linked_from_the_evidence_page_and_shows_the_head_in_thai(
    sealed_meeting: tuple[Any, Seal],
    client_for: Callable[..., Client],
    secretary: Any,
) -> None:
    meeting, seal = sealed_meeting
    client = client_for(secretary)
    evidence = client.get(reverse("meetings:evidence", args=[meeting.pk]))
    link = reverse("evidence:transparency")
    assert f'href="{link}"' in evidence.content.decode()
    key_page = client.get(reverse("evidence:public_key")).content.decode()
    assert f'href="{link}"' in key_page
    page = client.get(link).content.decode()
    assert seal.head_hash in page
    assert "รอ" in page  # waiting for the TSA, in Thai
    assert "Transparency" not in page
