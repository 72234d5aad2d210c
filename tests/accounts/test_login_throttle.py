"""Login throttling per typed name and address, per address, per account (issue 15, F6).

ADR: docs/adr/*-login-throttling*.md.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts import login
from prachum.accounts.evidence import chain_key
from prachum.accounts.models import User
from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import list_events
from tests.accounts.conftest import PASSWORD, USER_AGENT, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
CHAIR_ADDRESS = "192.0.2.10"


def _try(username: str, password: str, ip: str, **extra: str) -> tuple[str, str]:
    """The answer (code, message) to one password attempt, ``("OK", "")`` if it passed."""
    try:
        login.authenticate_password(
            username=username,
            password=password,
            ip_address=ip,
            user_agent=USER_AGENT,
            **extra,
        )
    except ServiceError as exc:
        return exc.code, str(exc.message)
    return "OK", ""


def test_f6_unknown_and_real_usernames_get_the_same_answers(
    user: User, now: Any
) -> None:
    real = [_try(user.username, "wrong", "198.51.100.1") for _ in range(8)]
    unknown = [_try("nobody-here", "wrong", "198.51.100.2") for _ in range(8)]
    assert real == unknown
    assert real[0][0] == "LOGIN_INVALID"
    assert real[-1][0] == "LOGIN_LOCKED"  # both are held back the same way


def test_f6_one_address_cannot_lock_the_chair_out(user: User, now: Any) -> None:
    for _ in range(30):
        _try(user.username, "wrong", ATTACKER)
    assert _try(user.username, PASSWORD, ATTACKER)[0] == "LOGIN_LOCKED"
    # The chair, from their own address, gets in at once.
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS) == ("OK", "")


def test_f6_an_address_guessing_many_names_is_stopped(
    user: User, now: Any, settings: Any
) -> None:
    settings.LOGIN_ADDRESS_MAX_FAILURES = 20
    answers = [_try(f"guess{i}", "wrong", ATTACKER) for i in range(20)]
    assert {code for code, _ in answers[:19]} == {"LOGIN_INVALID"}
    assert answers[19][0] == "LOGIN_LOCKED"
    # Every name from that address is held back now, the real one too ...
    assert _try(user.username, PASSWORD, ATTACKER)[0] == "LOGIN_LOCKED"
    # ... but not from elsewhere.
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS) == ("OK", "")


def test_a_whole_ipv6_network_counts_as_one_address(now: Any) -> None:
    for i in range(1, 6):
        code, _ = _try("somebody", "wrong", f"2001:db8:1:2::{i}")
    assert code == "LOGIN_LOCKED"
    assert _try("somebody", "wrong", "2001:db8:1:2::99")[0] == "LOGIN_LOCKED"
    assert _try("somebody", "wrong", "2001:db8:1:3::1")[0] == "LOGIN_INVALID"


def _spray_from_many_addresses(username: str, count: int) -> None:
    for i in range(count):
        _try(username, "wrong", f"198.51.100.{i // 4 + 1}")


def test_f6_the_chair_gets_in_with_a_recovery_code_while_the_account_is_slowed(
    user: User, now: Any, settings: Any
) -> None:
    user, _, codes = enrol_totp(user)
    _spray_from_many_addresses(user.username, settings.LOGIN_ACCOUNT_SLOW_AFTER)
    # The password alone is held back everywhere for a while ...
    code, message = _try(user.username, PASSWORD, CHAIR_ADDRESS)
    assert code == "LOGIN_SLOWED"
    assert "recovery code" in message
    # ... and the same for a name that does not exist.
    _spray_from_many_addresses("nobody-here", settings.LOGIN_ACCOUNT_SLOW_AFTER)
    assert _try("nobody-here", PASSWORD, CHAIR_ADDRESS) == (code, message)
    # A wrong recovery code does not help; the password with a good one does.
    assert _try(
        user.username, PASSWORD, CHAIR_ADDRESS, recovery_code="aaaaa-bbbbb"
    ) == _try("nobody-here", PASSWORD, "192.0.2.77", recovery_code="aaaaa-bbbbb")
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS, recovery_code=codes[0]) == (
        "OK",
        "",
    )


def test_the_slowdown_passes_with_time(
    user: User, now: Any, settings: Any, time_machine: Any
) -> None:
    _spray_from_many_addresses(user.username, settings.LOGIN_ACCOUNT_SLOW_AFTER)
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS)[0] == "LOGIN_SLOWED"
    time_machine.shift(timedelta(seconds=settings.LOGIN_ACCOUNT_DELAY_SECONDS + 1))
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS) == ("OK", "")


def test_f6_the_login_page_takes_a_recovery_code_and_logs_the_chair_in(
    user: User, now: Any, settings: Any
) -> None:
    user, _, codes = enrol_totp(user)
    _spray_from_many_addresses(user.username, settings.LOGIN_ACCOUNT_SLOW_AFTER)
    client = Client(headers={"user-agent": USER_AGENT, "accept-language": "en"})
    page = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert page.status_code == 200
    assert 'name="recovery_code"' in page.content.decode()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD, "recovery_code": codes[0]},
    )
    assert response.status_code == 302
    assert client.session.get("second_factor_ok") is True
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failures_and_holds_are_in_the_persons_chain_only(user: User, now: Any) -> None:
    for _ in range(5):
        _try(user.username, "wrong", ATTACKER)
    _try(user.username, PASSWORD, ATTACKER)
    for _ in range(5):
        _try("nobody-here", "wrong", ATTACKER)
    kinds = [e.kind for e in list_events(chain_key=chain_key(user))]
    assert kinds.count("account.login_failed") == 5
    assert kinds.count("account.locked") == 1
    assert kinds.count("account.login_refused") == 1
    every_payload = json.dumps(list(EvidenceEvent.objects.values_list("payload")))
    assert "nobody-here" not in every_payload


def test_an_operators_unlock_lifts_the_holds_on_the_account(
    user: User, now: Any
) -> None:
    operator = UserFactory(is_staff=True)
    for _ in range(5):
        _try(user.username, "wrong", ATTACKER)
    assert _try(user.username, PASSWORD, ATTACKER)[0] == "LOGIN_LOCKED"
    login.unlock_account(user=user, actor=operator)
    assert _try(user.username, PASSWORD, ATTACKER) == ("OK", "")


def test_one_address_at_its_fastest_never_slows_the_name_down(
    user: User, now: Any, time_machine: Any, settings: Any
) -> None:
    # Five wrong passwords, held back for 15 minutes, five more, ... for three hours.
    for _ in range(12):
        answers = [_try(user.username, "wrong", ATTACKER)[0] for _ in range(6)]
        assert answers[-1] == "LOGIN_LOCKED"
        time_machine.shift(timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES))
    assert _try(user.username, "wrong", ATTACKER)[0] == "LOGIN_INVALID"
    assert _try(user.username, PASSWORD, CHAIR_ADDRESS) == ("OK", "")
