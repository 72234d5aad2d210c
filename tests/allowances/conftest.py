"""The allowance rate shared by the allowance tests; the live room's fixtures are in
``tests/fixtures/room.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from prachum.committees.models import AllowanceRate, Committee


@pytest.fixture
def rate(committee: Committee) -> AllowanceRate:
    return AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("1000.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=365),
        source="กค 0406.4/ว 100",
    )
