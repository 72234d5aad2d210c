"""How recently a person proved the second factor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from prachum.accounts import login
from prachum.accounts.selectors import has_fresh_second_factor, latest_second_factor_at
from tests.accounts.conftest import last_code

pytestmark = pytest.mark.django_db


def test_freshness_of_the_second_factor(
    user: Any, now: Any, time_machine: Any, verify: Any
) -> None:
    assert latest_second_factor_at(user=user) is None
    assert not has_fresh_second_factor(user=user, within=timedelta(days=365))

    login.send_email_code(user=user)
    verify(user, "email", last_code(user.email))
    assert latest_second_factor_at(user=user) == now
    assert has_fresh_second_factor(user=user, within=timedelta(minutes=5))

    time_machine.shift(timedelta(minutes=5, seconds=1))
    assert not has_fresh_second_factor(user=user, within=timedelta(minutes=5))
    assert has_fresh_second_factor(user=user, within=timedelta(minutes=6))

    time_machine.shift(timedelta(seconds=30))
    login.send_email_code(user=user)
    verify(user, "email", last_code(user.email))
    assert latest_second_factor_at(user=user) == now + timedelta(minutes=5, seconds=31)
