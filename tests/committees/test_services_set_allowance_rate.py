from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prachum.committees import rates, selectors
from prachum.committees.models import AllowanceKind, AllowanceRate
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import list_events

pytestmark = pytest.mark.django_db


def _set(actor, committee, amount: str, valid_from: dt.date) -> AllowanceRate:
    return rates.set_allowance_rate(
        actor=actor,
        committee=committee,
        kind=AllowanceKind.PER_MEETING,
        member_amount=Decimal(amount),
        valid_from=valid_from,
        source="กค 0406.4/ว 1",
    )


def test_a_new_rate_closes_the_previous_one_the_day_before(committee, secretary):
    first = _set(secretary, committee, "1000.00", dt.date(2026, 1, 1))
    second = _set(secretary, committee, "1200.00", dt.date(2026, 7, 1))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.valid_from, first.valid_to) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
    )
    assert (second.valid_from, second.valid_to) == (dt.date(2026, 7, 1), None)
    assert selectors.rate_on(committee=committee, on=dt.date(2026, 6, 30)) == first
    assert selectors.rate_on(committee=committee, on=dt.date(2026, 7, 1)) == second
    assert selectors.rate_on(committee=committee, on=dt.date(2025, 12, 31)) is None

    events = [
        e
        for e in list_events(chain_key=f"committee:{committee.pk}")
        if e.kind == "committee.allowance_rate_set"
    ]
    assert [e.payload for e in events] == [
        {
            "kind": "per_meeting",
            "member_amount": "1000.00",
            "valid_from": "2026-01-01",
            "source": "กค 0406.4/ว 1",
        },
        {
            "kind": "per_meeting",
            "member_amount": "1200.00",
            "valid_from": "2026-07-01",
            "source": "กค 0406.4/ว 1",
        },
    ]


@pytest.mark.parametrize(
    "valid_from",
    [
        dt.date(2026, 7, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 1, 1),
        dt.date(2025, 6, 1),
    ],
    ids=["same-day", "between", "first-day", "before-all"],
)
def test_a_rate_starting_on_or_before_a_later_rate_is_refused(
    committee, secretary, valid_from
):
    first = _set(secretary, committee, "1000.00", dt.date(2026, 1, 1))
    second = _set(secretary, committee, "1200.00", dt.date(2026, 7, 1))
    rates_before = list(AllowanceRate.objects.order_by("valid_from").values_list())
    events_before = EvidenceEvent.objects.count()

    with pytest.raises(ServiceError) as excinfo:
        _set(secretary, committee, "1500.00", valid_from)

    assert excinfo.value.code == "RATE_OVERLAP"
    assert (
        list(AllowanceRate.objects.order_by("valid_from").values_list()) == rates_before
    )
    assert EvidenceEvent.objects.count() == events_before
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.valid_to, second.valid_to) == (dt.date(2026, 6, 30), None)


def test_only_the_secretariat_may_set_rates(committee, chair):
    with pytest.raises(PermissionDeniedError):
        _set(chair, committee, "1000.00", dt.date(2026, 1, 1))
    assert not AllowanceRate.objects.exists()


def test_a_negative_rate_is_refused_and_nothing_changes(committee, secretary):
    first = _set(secretary, committee, "1000.00", dt.date(2026, 1, 1))
    events_before = EvidenceEvent.objects.count()

    with pytest.raises(ServiceError) as excinfo:
        _set(secretary, committee, "-1.00", dt.date(2026, 7, 1))

    assert (excinfo.value.code, excinfo.value.field) == (
        "RATE_NEGATIVE",
        "member_amount",
    )
    first.refresh_from_db()
    assert first.valid_to is None
    assert AllowanceRate.objects.count() == 1
    assert EvidenceEvent.objects.count() == events_before
