"""The factories build valid rows, so other tests can rely on their defaults."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.factories import (
    MINIMAL_PDF,
    AgendaItemFactory,
    AllowanceRateFactory,
    DocumentVersionFactory,
    MeetingFactory,
    MembershipFactory,
    ScopeDenyEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        UserFactory,
        MembershipFactory,
        AllowanceRateFactory,
        ScopeDenyEntryFactory,
        MeetingFactory,
        AgendaItemFactory,
    ],
)
def test_each_factory_builds_a_valid_row(factory):
    row = factory()
    row.full_clean()


def test_sequences_are_deterministic_within_a_test():
    first, second = UserFactory(), UserFactory()
    first_number = int(first.username.removeprefix("person"))
    assert second.username == f"person{first_number + 1:03d}"
    assert second.email == f"{second.username}@example.go.th"


def test_traits_set_the_state():
    assert MembershipFactory(chair=True).is_voting is True
    assert MembershipFactory(secretary=True).is_voting is False
    decided = MeetingFactory(decided=True, notified=True)
    assert decided.status == "notified"
    assert decided.electronic_decided_at is not None
    assert MeetingFactory(in_room=True).venue


def test_a_document_version_stores_its_bytes(settings):
    version = DocumentVersionFactory()
    path = Path(version.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.read_bytes() == MINIMAL_PDF
    assert version.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
