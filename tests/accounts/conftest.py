"""Fixtures for the accounts tests (kept local; shared factories live elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import factory
import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from factory.django import DjangoModelFactory

from prachum.accounts import factors, login
from prachum.accounts.models import User

PASSWORD = "Sup3r-secret passphrase"
USER_AGENT = "Mozilla/5.0 (Prachum test browser)"
START = datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC)  # 09:00 in Bangkok


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"acct{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.th")
    full_name = factory.Sequence(lambda n: f"Account Holder {n}")
    password = factory.django.Password(PASSWORD)


@pytest.fixture(autouse=True)
def _accounts_settings(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.EMAIL_OTP_MINUTES = 10
    settings.EMAIL_URL = ""
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def now(time_machine: Any) -> datetime:
    """Freeze the clock at ``START``; move it with ``time_machine.shift``."""
    time_machine.move_to(START, tick=False)
    return START


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def client() -> Client:
    return Client(headers={"user-agent": USER_AGENT, "accept-language": "en"})


def last_code(to: str) -> str:
    """The six-digit code in the newest mail sent to ``to`` (locmem outbox)."""
    messages = [m for m in mail.outbox if to in m.to]
    assert messages, f"no mail to {to}"
    match = re.search(r"\b(\d{6})\b", messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


def enrol_totp(user: User) -> tuple[User, pyotp.TOTP, list[str]]:
    """Enrol ``user`` in TOTP through the services; returns fresh user, TOTP, codes."""
    uri = factors.begin_totp_enrolment(user=user)
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    codes = factors.confirm_totp_enrolment(user=user, code=totp.now())
    user.refresh_from_db()
    return user, totp, codes


def full_login(client: Client, user: User) -> None:
    """Log ``client`` in as ``user`` with both factors passed."""
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()


Verify = Callable[..., Any]


@pytest.fixture
def verify() -> Verify:
    def _verify(user: User, method: str, code: str) -> Any:
        return login.verify_second_factor(
            user=user,
            method=method,  # type: ignore[arg-type]
            code=code,
            ip_address="192.0.2.10",
            user_agent=USER_AGENT,
        )

    return _verify


def login_password(user: User, password: str = PASSWORD) -> User:
    return login.authenticate_password(
        username=user.username,
        password=password,
        ip_address="192.0.2.10",
        user_agent=USER_AGENT,
    )


@pytest.fixture
def operator_client(operator: Any) -> Client:
    """The operator, logged in with both factors, in Thai."""
    client = Client(headers={"user-agent": USER_AGENT, "accept-language": "th"})
    full_login(client, operator)
    return client
