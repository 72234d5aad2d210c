"""The security page: authenticator enrolment, recovery codes, e-mail codes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts.models import RecoveryCode, SecondFactor, User
from tests.accounts.conftest import enrol_totp, full_login

pytestmark = pytest.mark.django_db

ENROL = reverse("accounts:totp_enrol")
SECURITY = reverse("accounts:security")
RECOVERY = reverse("accounts:recovery_codes")
CODE_RE = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


@pytest.fixture
def logged_in_client(client: Client, user: User) -> Client:
    full_login(client, user)
    return client


def test_totp_enrolment_through_the_pages(
    logged_in_client: Client, user: User, now: Any
) -> None:
    page = logged_in_client.get(SECURITY).content.decode()
    assert "One-time code by e-mail" in page

    assert logged_in_client.post(ENROL, {"action": "start"})["Location"] == ENROL
    page = logged_in_client.get(ENROL).content.decode()
    user.refresh_from_db()
    secret = user.totp_pending_secret
    assert 'src="data:image/svg+xml' in page
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page

    totp = pyotp.TOTP(secret)
    wrong = f"{(int(totp.now()) + 500_000) % 10**6:06d}"
    response = logged_in_client.post(ENROL, {"action": "confirm", "code": wrong})
    assert "The code does not match." in response.content.decode()
    user.refresh_from_db()
    assert user.second_factor == SecondFactor.EMAIL

    response = logged_in_client.post(ENROL, {"action": "confirm", "code": totp.now()})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    codes = CODE_RE.findall(response.content.decode())
    assert len(codes) == 10
    user.refresh_from_db()
    assert user.second_factor == SecondFactor.TOTP
    assert user.totp_secret == secret

    # Shown once: the security page only counts them.
    page = logged_in_client.get(SECURITY).content.decode()
    assert "Authenticator app (TOTP)" in page
    assert "You have 10 unused recovery codes." in page
    assert not any(code in page for code in codes)


def test_regenerating_recovery_codes_through_the_page(
    logged_in_client: Client, user: User, now: Any
) -> None:
    user, _, old_codes = enrol_totp(user)
    page = logged_in_client.get(RECOVERY).content.decode()
    assert "You have 10 unused recovery codes." in page
    assert not CODE_RE.findall(page)

    response = logged_in_client.post(RECOVERY)
    new_codes = CODE_RE.findall(response.content.decode())
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert RecoveryCode.objects.filter(user=user).count() == 10


def test_switching_back_to_email_codes(
    logged_in_client: Client, user: User, now: Any, time_machine: Any
) -> None:
    enrol_totp(user)
    response = logged_in_client.post(SECURITY, {"action": "use_email"})
    assert response["Location"] == SECURITY
    user.refresh_from_db()
    assert user.second_factor == SecondFactor.EMAIL
    assert user.totp_secret == ""


def test_security_page_refuses_unknown_actions(logged_in_client: Client) -> None:
    assert (
        logged_in_client.post(SECURITY, {"action": "delete_everything"}).status_code
        == 400
    )
    assert logged_in_client.post(ENROL, {"action": "other"}).status_code == 400


def test_security_pages_need_a_login(client: Client) -> None:
    response = client.get(SECURITY)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={SECURITY}"


def test_pending_enrolment_does_not_change_the_login_factor(
    logged_in_client: Client, user: User, now: Any, time_machine: Any
) -> None:
    logged_in_client.post(ENROL, {"action": "start"})
    user.refresh_from_db()
    assert user.totp_pending_secret
    assert user.second_factor == SecondFactor.EMAIL
    time_machine.shift(timedelta(minutes=1))
    page = logged_in_client.get(SECURITY).content.decode()
    assert "One-time code by e-mail" in page
