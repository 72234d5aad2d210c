"""Authenticator-app enrolment, TOTP codes and recovery codes (R14)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest

from prachum.accounts import factors
from prachum.accounts.models import RecoveryCode, SecondFactor, User
from prachum.accounts.selectors import effective_second_factor
from prachum.core.errors import ServiceError
from tests.accounts.conftest import enrol_totp

pytestmark = pytest.mark.django_db


def _wrong_code(totp: pyotp.TOTP, at: datetime) -> str:
    """A code valid at no step within the accepted window around ``at``."""
    near = {totp.at(at + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in near)


def test_enrolment_stays_pending_until_a_code_is_confirmed(
    user: User, now: Any
) -> None:
    uri = factors.begin_totp_enrolment(user=user)
    assert uri.startswith("otpauth://totp/")
    totp = pyotp.parse_uri(uri)
    user.refresh_from_db()
    assert user.totp_pending_secret == totp.secret
    assert user.totp_secret == ""
    assert effective_second_factor(user=user) == SecondFactor.EMAIL

    with pytest.raises(ServiceError) as info:
        factors.confirm_totp_enrolment(user=user, code=_wrong_code(totp, now))
    assert info.value.code == "TOTP_CODE_INVALID"

    codes = factors.confirm_totp_enrolment(user=user, code=totp.now())
    user.refresh_from_db()
    assert user.second_factor == SecondFactor.TOTP
    assert user.totp_secret == totp.secret
    assert user.totp_pending_secret == ""
    assert user.totp_confirmed_at == now
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = set(
        RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True)
    )
    assert len(stored) == 10
    assert not stored & set(codes)


def test_confirm_without_a_started_enrolment_is_refused(user: User) -> None:
    with pytest.raises(ServiceError) as info:
        factors.confirm_totp_enrolment(user=user, code="123456")
    assert info.value.code == "TOTP_NOT_PENDING"


def test_totp_code_verifies_once_and_its_replay_is_refused(
    user: User, now: Any, time_machine: Any, verify: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    time_machine.shift(timedelta(seconds=30))
    code = totp.now()

    verification = verify(user, "totp", code)
    assert verification.method == "totp"
    assert verification.user_agent.startswith("Mozilla/5.0")

    with pytest.raises(ServiceError) as info:
        verify(user, "totp", code)
    assert info.value.code == "SECOND_FACTOR_INVALID"

    time_machine.shift(timedelta(seconds=30))
    assert verify(user, "totp", totp.now()).method == "totp"


def test_the_enrolment_code_cannot_be_replayed_to_log_in(
    user: User, now: Any, verify: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    with pytest.raises(ServiceError) as info:
        verify(user, "totp", totp.now())
    assert info.value.code == "SECOND_FACTOR_INVALID"


def test_totp_accepts_one_step_of_clock_drift_but_not_two(
    user: User, now: Any, verify: Any
) -> None:
    # A fixed secret, so the codes of neighbouring steps are known to differ.
    user.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    user.totp_confirmed_at = now
    user.second_factor = SecondFactor.TOTP
    user.save()
    totp = pyotp.TOTP(user.totp_secret)
    window = [totp.at(now + timedelta(seconds=30 * k)) for k in (-2, -1, 0, 1, 2)]
    assert len(set(window)) == 5
    too_old, one_step_ago, _, one_step_ahead, too_new = window

    for code in (too_old, too_new):
        with pytest.raises(ServiceError) as info:
            verify(user, "totp", code)
        assert info.value.code == "SECOND_FACTOR_INVALID"
    assert verify(user, "totp", one_step_ago).method == "totp"
    assert verify(user, "totp", one_step_ahead).method == "totp"
    # The step ahead was used: the code of an earlier step is now a replay too.
    with pytest.raises(ServiceError):
        verify(user, "totp", window[2])


def test_totp_is_refused_for_an_account_using_email_codes(
    user: User, now: Any, verify: Any
) -> None:
    totp = pyotp.TOTP(pyotp.random_base32())
    with pytest.raises(ServiceError) as info:
        verify(user, "totp", totp.now())
    assert info.value.code == "SECOND_FACTOR_UNAVAILABLE"


def test_recovery_code_works_once(user: User, now: Any, verify: Any) -> None:
    user, _, codes = enrol_totp(user)
    first, second = codes[0], codes[1]

    assert (
        verify(user, "recovery", first.upper().replace("-", " ")).method == "recovery"
    )
    with pytest.raises(ServiceError) as info:
        verify(user, "recovery", first)
    assert info.value.code == "SECOND_FACTOR_INVALID"

    assert verify(user, "recovery", second).method == "recovery"
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 8


def test_regenerated_recovery_codes_replace_the_old_ones(
    user: User, now: Any, verify: Any
) -> None:
    user, _, old_codes = enrol_totp(user)
    new_codes = factors.regenerate_recovery_codes(user=user)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    with pytest.raises(ServiceError):
        verify(user, "recovery", old_codes[0])
    assert verify(user, "recovery", new_codes[0]).method == "recovery"


def test_re_enrolment_keeps_the_old_secret_until_confirmed(
    user: User, now: Any, time_machine: Any, verify: Any
) -> None:
    user, old_totp, _ = enrol_totp(user)
    factors.begin_totp_enrolment(user=user)
    time_machine.shift(timedelta(seconds=30))
    assert verify(user, "totp", old_totp.now()).method == "totp"


def test_switching_to_email_codes_drops_the_authenticator(
    user: User, now: Any, time_machine: Any, verify: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    factors.switch_to_email_codes(user=user, actor=user)
    user.refresh_from_db()
    assert effective_second_factor(user=user) == SecondFactor.EMAIL
    assert user.totp_secret == ""
    time_machine.shift(timedelta(seconds=30))
    with pytest.raises(ServiceError) as info:
        verify(user, "totp", totp.now())
    assert info.value.code == "SECOND_FACTOR_UNAVAILABLE"
