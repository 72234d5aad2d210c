"""Fixtures shared by the committee tests."""

from __future__ import annotations

from typing import Any

import pytest

from prachum.committees.models import Role
from tests.factories import CommitteeFactory, MembershipFactory, UserFactory


@pytest.fixture
def new_committee(agency: Any) -> Any:
    """A committee with only its secretary, as before the roster is imported."""
    committee = CommitteeFactory(agency=agency)
    MembershipFactory(
        committee=committee,
        role=Role.SECRETARY,
        user=UserFactory(username="new_secretary", full_name="เลขา ทดสอบ"),
    )
    return committee


@pytest.fixture
def new_secretary(new_committee: Any) -> Any:
    return new_committee.memberships.get(role=Role.SECRETARY).user
