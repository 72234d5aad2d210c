"""Password checks, the failure counter and the lockout (R14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from prachum.accounts import login
from prachum.accounts.models import User
from prachum.core.errors import ServiceError
from tests.accounts.conftest import UserFactory, last_code, login_password

pytestmark = pytest.mark.django_db


def _fail(user: User) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        login_password(user, "wrong password")
    return info.value


def test_max_failures_hold_the_name_back_from_that_address_until_it_expires(
    user: User, now: Any, time_machine: Any
) -> None:
    for _ in range(1, 5):
        error = _fail(user)
        assert error.code == "LOGIN_INVALID"

    error = _fail(user)
    assert error.code == "LOGIN_LOCKED"
    assert "try again in 15 minutes" in str(error.message)
    user.refresh_from_db()
    assert user.locked_until is None  # the account itself is not locked

    with pytest.raises(ServiceError) as info:
        login_password(user)
    assert info.value.code == "LOGIN_LOCKED"

    time_machine.shift(timedelta(minutes=14, seconds=30))
    with pytest.raises(ServiceError) as info:
        login_password(user)
    assert info.value.code == "LOGIN_LOCKED"
    assert "try again in 1 minute." in str(info.value.message)

    time_machine.shift(timedelta(seconds=31))
    assert login_password(user).pk == user.pk


def test_lockout_threshold_follows_the_setting(
    user: User, settings: Any, now: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    assert _fail(user).code == "LOGIN_INVALID"
    assert _fail(user).code == "LOGIN_LOCKED"


def test_unknown_user_and_wrong_password_look_the_same(user: User) -> None:
    wrong_password = _fail(user)
    with pytest.raises(ServiceError) as info:
        login_password(UserFactory.build(username="nobody"), "wrong password")
    unknown = info.value
    assert (unknown.code, str(unknown.message)) == (
        wrong_password.code,
        str(wrong_password.message),
    )
    assert unknown.code == "LOGIN_INVALID"


def test_inactive_account_is_refused_with_the_generic_message(db: None) -> None:
    user = UserFactory(is_active=False)
    with pytest.raises(ServiceError) as info:
        login_password(user)
    assert info.value.code == "LOGIN_INVALID"


def test_correct_password_resets_the_counter(user: User) -> None:
    for _ in range(3):
        _fail(user)
    login_password(user)
    # A fresh set of tries: four more failures do not lock.
    for _ in range(4):
        assert _fail(user).code == "LOGIN_INVALID"


def test_second_factor_failures_count_toward_the_lockout(
    user: User, now: Any, verify: Any
) -> None:
    login_password(user)
    for _ in range(4):
        with pytest.raises(ServiceError) as info:
            verify(user, "recovery", "aaaaa-bbbbb")
        assert info.value.code == "SECOND_FACTOR_INVALID"
    with pytest.raises(ServiceError) as info:
        verify(user, "recovery", "aaaaa-bbbbb")
    assert info.value.code == "LOGIN_LOCKED"
    # Locked: the password is refused too.
    with pytest.raises(ServiceError) as info:
        login_password(user)
    assert info.value.code == "LOGIN_LOCKED"


def test_entering_the_password_again_does_not_reset_code_guessing(
    user: User, now: Any, verify: Any
) -> None:
    login_password(user)
    for _ in range(4):
        with pytest.raises(ServiceError):
            verify(user, "recovery", "aaaaa-bbbbb")
    login_password(user)  # correct again: must not give four more guesses
    with pytest.raises(ServiceError) as info:
        verify(user, "recovery", "aaaaa-bbbbb")
    assert info.value.code == "LOGIN_LOCKED"


def test_a_locked_account_refuses_the_correct_password(
    user: User, now: Any, verify: Any
) -> None:
    login_password(user)
    for _ in range(5):
        with pytest.raises(ServiceError):
            verify(user, "recovery", "aaaaa-bbbbb")
    with pytest.raises(ServiceError) as info:
        login_password(user, "wrong password")
    assert info.value.code == "LOGIN_INVALID"  # a wrong password learns nothing
    with pytest.raises(ServiceError) as info:
        login_password(user)
    assert info.value.code == "LOGIN_LOCKED"
    assert "The account is locked" in str(info.value.message)


def test_wrong_passwords_from_elsewhere_do_not_stop_a_correct_second_factor(
    user: User, now: Any, verify: Any
) -> None:
    login_password(user)
    login.send_email_code(user=user)
    code = last_code(user.email)
    for _ in range(5):
        _fail(user)
    assert verify(user, "email", code).method == "email"
