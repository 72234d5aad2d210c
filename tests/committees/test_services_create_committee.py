from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from prachum.committees import services
from prachum.committees.models import Committee, MeetingCategory
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.thai_dates import BANGKOK
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from tests.factories import ScopeDenyEntryFactory

pytestmark = pytest.mark.django_db

LEGAL_BASIS = "คำสั่งสำนักงานปลัดกระทรวง ที่ 12/2569"


def _create(actor, agency, **overrides):
    fields = {
        "name": "คณะกรรมการบริหารความเสี่ยง",
        "legal_basis": LEGAL_BASIS,
        "category": MeetingCategory.REGULAR,
    }
    fields.update(overrides)
    return services.create_committee(actor=actor, agency=agency, **fields)


def _counts():
    return Committee.objects.count(), EvidenceEvent.objects.count()


def test_a_secretary_creates_a_committee_with_its_legal_basis(agency, secretary):
    committee = _create(secretary, agency, name="  คณะกรรมการบริหารความเสี่ยง  ")

    committee.refresh_from_db()
    assert committee.name == "คณะกรรมการบริหารความเสี่ยง"
    assert committee.legal_basis == LEGAL_BASIS
    assert committee.agency == agency
    event, joined = list_events(chain_key=f"committee:{committee.pk}")
    assert event.kind == "committee.created"
    # the secretary who created it keeps its secretariat (issue 14 point 1)
    assert joined.kind == "committee.member_added"
    assert joined.payload == {
        "user": str(secretary.pk),
        "role": "secretary",
        "is_voting": False,
        "position_title": "",
    }
    assert committee.memberships.get().user == secretary
    assert event.actor == secretary
    assert event.payload == {
        "committee": str(committee.pk),
        "name": "คณะกรรมการบริหารความเสี่ยง",
        "legal_basis": LEGAL_BASIS,
        "category": "regular",
        "quorum": ["at_least_fraction", 1, 2],
    }
    assert check_chain(chain_key=f"committee:{committee.pk}").ok


def test_a_member_may_not_create_a_committee(agency, member):
    before = _counts()
    with pytest.raises(PermissionDeniedError) as excinfo:
        _create(member, agency)
    assert excinfo.value.code == "NOT_ALLOWED"
    assert _counts() == before


@pytest.mark.parametrize("legal_basis", ["", "   \n\t "])
def test_a_committee_without_legal_basis_is_refused(agency, secretary, legal_basis):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _create(secretary, agency, legal_basis=legal_basis)
    assert (excinfo.value.code, excinfo.value.field) == (
        "LEGAL_BASIS_REQUIRED",
        "legal_basis",
    )
    assert _counts() == before


@pytest.mark.parametrize(
    "category",
    [
        MeetingCategory.PROCUREMENT,
        MeetingCategory.PARLIAMENT,
        MeetingCategory.COURT_JUDGMENT,
    ],
)
def test_decree_section_5_categories_are_refused(agency, secretary, category):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _create(secretary, agency, category=category)
    assert (excinfo.value.code, excinfo.value.field) == (
        "DECREE_S5_EXCLUDED",
        "category",
    )
    assert str(excinfo.value.message)
    assert _counts() == before


@pytest.mark.parametrize(
    ("today", "excluded"),
    [
        (dt.date(2026, 2, 28), False),
        (dt.date(2026, 3, 1), True),
        (dt.date(2026, 3, 31), True),
        (dt.date(2026, 4, 1), False),
    ],
)
def test_a_deny_list_entry_excludes_a_category_only_within_its_dates(
    agency, secretary, today, excluded
):
    ScopeDenyEntryFactory(
        kind="category",
        value=MeetingCategory.OTHER,
        valid_from=dt.date(2026, 3, 1),
        valid_to=dt.date(2026, 3, 31),
    )
    before = _counts()
    # 01:00 in Bangkok is still the day before in UTC; Bangkok's date counts.
    early = dt.datetime.combine(today, dt.time(1, 0), tzinfo=BANGKOK)
    with time_machine.travel(early, tick=False):
        if excluded:
            with pytest.raises(ServiceError) as excinfo:
                _create(secretary, agency, category=MeetingCategory.OTHER)
            assert excinfo.value.code == "DENY_LIST_EXCLUDED"
            assert _counts() == before
        else:
            committee = _create(secretary, agency, category=MeetingCategory.OTHER)
            assert committee.category == "other"
            # created, and its creator on it as secretary
            assert _counts() == (before[0] + 1, before[1] + 2)


def test_a_deny_list_entry_leaves_other_categories_alone(agency, secretary):
    ScopeDenyEntryFactory(kind="category", value=MeetingCategory.OTHER, valid_to=None)
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=BANGKOK)):
        committee = _create(secretary, agency, category=MeetingCategory.REGULAR)
    assert Committee.objects.filter(pk=committee.pk).exists()
