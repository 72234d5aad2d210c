"""Security events go to the person's evidence chain, with no secret in them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts import factors, login
from prachum.accounts.models import EmailCode, RecoveryCode, User
from prachum.core.errors import ServiceError
from prachum.evidence.selectors import check_chain, list_events
from tests.accounts.conftest import (
    PASSWORD,
    USER_AGENT,
    enrol_totp,
    last_code,
    login_password,
)

pytestmark = pytest.mark.django_db


def _kinds(user: User) -> list[str]:
    return list(
        list_events(chain_key=f"account:{user.pk}").values_list("kind", flat=True)
    )


def test_login_events_carry_ip_and_user_agent_and_survive_the_refusal(
    client: Client, user: User, now: Any
) -> None:
    client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "wrong"},
        REMOTE_ADDR="203.0.113.7",
    )
    client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    events = list(list_events(chain_key=f"account:{user.pk}"))
    assert [e.kind for e in events] == [
        "account.login_failed",
        "account.login_succeeded",
        "account.email_code_sent",
    ]
    for event in events[:2]:
        assert event.payload["ip_address"] == "203.0.113.7"
        assert event.payload["user_agent"] == USER_AGENT
        assert event.actor_label == f"user:{user.pk}"


def test_login_event_takes_the_forwarded_address_only_from_a_trusted_proxy(
    client: Client, user: User, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for remote in ("10.0.0.5", "198.51.100.9"):
        client.post(
            reverse("accounts:login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    events = list_events(chain_key=f"account:{user.pk}").filter(
        kind="account.login_failed"
    )
    assert [e.payload["ip_address"] for e in events] == ["203.0.113.50", "198.51.100.9"]


def test_lockout_and_refusal_are_recorded(user: User, now: Any) -> None:
    for _ in range(5):
        with pytest.raises(ServiceError):
            login_password(user, "wrong")
    with pytest.raises(ServiceError):
        login_password(user)
    kinds = _kinds(user)
    assert kinds.count("account.login_failed") == 5
    assert kinds[-2:] == ["account.locked", "account.login_refused"]
    locked = list_events(chain_key=f"account:{user.pk}").get(kind="account.locked")
    assert locked.payload["failures"] == 5
    assert locked.payload["locked_until"] == (now + timedelta(minutes=15)).isoformat()


def test_no_secret_or_code_ever_reaches_the_evidence(
    user: User, now: Any, time_machine: Any, verify: Any
) -> None:
    secrets: set[str] = {PASSWORD, "wrong-password"}
    with pytest.raises(ServiceError):
        login_password(user, "wrong-password")
    login_password(user)
    login.send_email_code(user=user)
    email_code = last_code(user.email)
    secrets |= {email_code, *EmailCode.objects.values_list("code_hash", flat=True)}
    with pytest.raises(ServiceError):
        verify(user, "email", f"{(int(email_code) + 1) % 10**6:06d}")
    verify(user, "email", email_code)

    user, totp, recovery_codes = enrol_totp(user)
    secrets |= {totp.secret, totp.now(), *recovery_codes}
    time_machine.shift(timedelta(seconds=30))
    totp_code = totp.now()
    secrets.add(totp_code)
    verify(user, "totp", totp_code)
    verify(user, "recovery", recovery_codes[0])
    secrets |= set(factors.regenerate_recovery_codes(user=user))
    factors.begin_totp_enrolment(user=user)
    user.refresh_from_db()
    secrets.add(user.totp_pending_secret)
    secrets |= set(RecoveryCode.objects.values_list("code_hash", flat=True))

    kinds = _kinds(user)
    for expected in (
        "account.login_failed",
        "account.login_succeeded",
        "account.email_code_sent",
        "account.second_factor_failed",
        "account.second_factor_verified",
        "account.totp_enrolled",
        "account.recovery_codes_regenerated",
    ):
        assert expected in kinds
    dumped = json.dumps(
        [e.payload for e in list_events(chain_key=f"account:{user.pk}")]
    ).lower()
    for secret in secrets:
        assert secret.lower() not in dumped, secret
    assert check_chain(chain_key=f"account:{user.pk}").ok


def test_verified_factor_event_names_the_method(
    user: User, now: Any, verify: Any
) -> None:
    login.send_email_code(user=user)
    verify(user, "email", last_code(user.email))
    event = list_events(chain_key=f"account:{user.pk}").get(
        kind="account.second_factor_verified"
    )
    assert event.payload["method"] == "email"
    assert event.payload["ip_address"] == "192.0.2.10"


def test_failed_mail_delivery_leaves_no_code_and_no_event(
    user: User, settings: Any, now: Any
) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_URL = "smtp://127.0.0.1:1"  # nothing listens there
    with pytest.raises(ServiceError) as info:
        login.send_email_code(user=user)
    assert info.value.code == "EMAIL_SEND_FAILED"
    assert not EmailCode.objects.filter(user=user).exists()
    assert "account.email_code_sent" not in _kinds(user)
