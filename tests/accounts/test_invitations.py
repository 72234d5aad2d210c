"""Invitations: a one-time link to set a password, then the first login's enrolment."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from prachum.accounts import invitations, mails
from prachum.accounts.models import (
    Invitation,
    SecondFactor,
    SecondFactorVerification,
    User,
)
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from tests.accounts.conftest import USER_AGENT, UserFactory, last_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Rain over Chiang Mai 2569"


@pytest.fixture
def newcomer(db: None) -> User:
    person = User(
        username="somchai", email="somchai@example.go.th", full_name="Somchai Jaidee"
    )
    person.set_unusable_password()
    person.save()
    return person


def _link_in_last_mail(to: str) -> str:
    sent = [m for m in mail.outbox if to in m.to]
    assert sent, f"no mail to {to}"
    # Parse the bytes as they leave, not the Python object.
    parsed = message_from_bytes(sent[-1].message().as_bytes(), policy=policy.default)
    assert parsed[mails_header()] == mails.INVITATION
    body = parsed.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(
        r"https://prachum\.example\.go\.th(/accounts/invitation/\S+/)", body
    )
    assert match, body
    return match.group(1)


def mails_header() -> str:
    from prachum.accounts import otp

    return otp.LOGIN_CODE_HEADER


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def _accept(token: str, password: str = NEW_PASSWORD) -> User:
    return invitations.accept_invitation(
        token=token, password=password, ip_address="192.0.2.10", user_agent=USER_AGENT
    )


def _kinds(user: User) -> list[str]:
    return list(
        list_events(chain_key=f"account:{user.pk}")
        .order_by("seq")
        .values_list("kind", flat=True)
    )


def test_an_invitation_stores_only_a_hash_and_mails_the_link(
    operator: User, newcomer: User, now: Any
) -> None:
    invitation = invitations.invite_person(actor=operator, user=newcomer)

    token = _token(_link_in_last_mail(newcomer.email))
    assert token not in invitation.token_hash
    assert len(token) >= 40
    stored = Invitation.objects.get()
    assert stored.token_hash != token
    assert len(stored.token_hash) == 64
    assert invitations.find_invitation(token=token) == stored
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    body = mail.outbox[-1].body
    assert newcomer.username in body
    event = list_events(chain_key=f"account:{newcomer.pk}").get(
        kind="account.invitation_sent"
    )
    assert event.actor_label == f"user:{operator.pk}"
    assert token not in str(event.payload)
    assert check_chain(chain_key=f"account:{newcomer.pk}").ok


def test_the_mail_is_in_thai(operator: User, newcomer: User) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    message = mail.outbox[-1]
    assert message.subject != "Invitation to Prachum: set your password"
    assert "รหัสผ่าน" in message.subject


def test_the_link_sets_the_password_once(operator: User, newcomer: User) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    token = _token(_link_in_last_mail(newcomer.email))

    user = _accept(token)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.second_factor_enrolment_required
    assert Invitation.objects.get().used_at is not None

    with pytest.raises(ServiceError) as refused:
        _accept(token, "Another good passphrase 77")
    assert refused.value.code == "INVITATION_INVALID"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _kinds(user)[-2:] == [
        "account.invitation_accepted",
        "account.invitation_refused",
    ]


def test_an_expired_link_is_refused(
    operator: User, newcomer: User, now: Any, time_machine: Any
) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    token = _token(_link_in_last_mail(newcomer.email))
    time_machine.shift(timedelta(days=7, seconds=1))

    with pytest.raises(ServiceError) as refused:
        _accept(token)
    assert refused.value.code == "INVITATION_INVALID"
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    event = list_events(chain_key=f"account:{newcomer.pk}").get(
        kind="account.invitation_refused"
    )
    assert event.payload["reason"] == "expired"


def test_a_new_invitation_revokes_the_older_link(
    operator: User, newcomer: User
) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    first = _token(_link_in_last_mail(newcomer.email))
    invitations.invite_person(actor=operator, user=newcomer)
    second = _token(_link_in_last_mail(newcomer.email))

    with pytest.raises(ServiceError):
        _accept(first)
    assert _accept(second).check_password(NEW_PASSWORD)


def test_unknown_token_and_weak_password_are_refused(
    operator: User, newcomer: User
) -> None:
    with pytest.raises(ServiceError) as unknown:
        _accept("not-a-token")
    assert unknown.value.code == "INVITATION_INVALID"

    invitations.invite_person(actor=operator, user=newcomer)
    token = _token(_link_in_last_mail(newcomer.email))
    with pytest.raises(ServiceError) as weak:
        _accept(token, "12345678")
    assert weak.value.code == "PASSWORD_INVALID"
    assert Invitation.objects.get().used_at is None  # the link still works
    _accept(token)


def test_only_operators_invite_a_person_who_has_a_password(
    newcomer: User,
) -> None:
    someone = UserFactory()
    with_password = UserFactory()
    with pytest.raises(PermissionDeniedError):
        invitations.invite_person(actor=someone, user=with_password)
    # A person who never had a password may be invited by whoever created them.
    invitations.invite_person(actor=someone, user=newcomer)
    assert Invitation.objects.filter(user=newcomer).count() == 1


def test_a_mail_failure_stores_nothing(
    operator: User, newcomer: User, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_URL = "smtp://127.0.0.1:9"  # nothing listens there
    with pytest.raises(ServiceError) as failed:
        invitations.invite_person(actor=operator, user=newcomer)
    assert failed.value.code == "EMAIL_SEND_FAILED"
    assert not Invitation.objects.exists()
    assert _kinds(newcomer) == []


# --- the pages: from the mail in the outbox to the home page ---------------------


def _th_client() -> Client:
    return Client(headers={"user-agent": USER_AGENT, "accept-language": "th"})


def test_the_outbox_shows_the_link_as_a_link(
    operator: User, newcomer: User, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    invitations.invite_person(actor=operator, user=newcomer)
    browser = _th_client()
    browser.force_login(operator)
    session = browser.session
    session["second_factor_ok"] = True
    session.save()

    listing = browser.get(reverse("notices:outbox")).content.decode()
    name = re.search(r'href="/outbox/([^"/]+)/"', listing)
    assert name, listing
    page = browser.get(reverse("notices:outbox_message", args=[name.group(1)]))
    html = page.content.decode()
    link = re.search(
        r'<a href="https://prachum\.example\.go\.th(/accounts/invitation/[^"]+/)"', html
    )
    assert link, html


def test_from_the_link_to_the_home_page_with_an_authenticator(
    operator: User, newcomer: User
) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    path = _link_in_last_mail(newcomer.email)
    browser = _th_client()

    page = browser.get(path)
    assert page.status_code == 200
    assert "somchai" in page.content.decode()
    mismatch = browser.post(path, {"password1": NEW_PASSWORD, "password2": "other"})
    assert mismatch.status_code == 200
    weak = browser.post(path, {"password1": "12345678", "password2": "12345678"})
    assert "รหัสผ่าน" in weak.content.decode()
    done = browser.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:login") + "?username=somchai"
    assert 'value="somchai"' in browser.get(done["Location"]).content.decode()

    # Used once: the same link now says to ask the operator.
    again = browser.get(path)
    assert again.status_code == 410
    assert "ผู้ดูแลระบบ" in again.content.decode()

    step = browser.post(
        reverse("accounts:login"), {"username": "somchai", "password": NEW_PASSWORD}
    )
    assert step["Location"] == reverse("accounts:enrol")
    # Not logged in yet: every other page sends the person back to log in.
    assert browser.get(reverse("home")).status_code == 302
    assert browser.get(reverse("accounts:second_factor"))["Location"] == reverse(
        "accounts:enrol"
    )

    browser.post(reverse("accounts:enrol"), {"action": "start"})
    page = browser.get(reverse("accounts:enrol")).content.decode()
    secret = re.search(r"<code data-totp-secret>([A-Z2-7 ]+)</code>", page)
    assert secret, page
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    done = browser.post(reverse("accounts:enrol"), {"action": "confirm", "code": code})
    assert done.status_code == 200  # the recovery codes, shown once
    assert f'href="{reverse("home")}"' in done.content.decode()
    assert browser.session.get("second_factor_ok") is True
    home = browser.get(reverse("home"), follow=True)
    assert home.status_code == 200
    assert home.redirect_chain[-1][0] == reverse("meetings:home")

    newcomer.refresh_from_db()
    assert not newcomer.second_factor_enrolment_required
    assert newcomer.second_factor == SecondFactor.TOTP
    assert "account.second_factor_enrolled" in _kinds(newcomer)
    # The confirming code counts as a fresh second factor (identity checks use it).
    assert SecondFactorVerification.objects.filter(
        user=newcomer, method="totp"
    ).exists()


def test_the_first_login_may_choose_codes_by_email(
    operator: User, newcomer: User
) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    _accept(_token(_link_in_last_mail(newcomer.email)))
    browser = _th_client()
    browser.post(
        reverse("accounts:login"), {"username": "somchai", "password": NEW_PASSWORD}
    )
    assert len([m for m in mail.outbox if "somchai" in m.to[0]]) == 1  # no code yet

    chosen = browser.post(reverse("accounts:enrol"), {"action": "email"})
    assert chosen["Location"] == reverse("accounts:second_factor")
    done = browser.post(
        reverse("accounts:second_factor"),
        {"method": "email", "code": last_code(newcomer.email)},
    )
    assert done.status_code == 302
    assert browser.session.get("second_factor_ok") is True
    newcomer.refresh_from_db()
    assert not newcomer.second_factor_enrolment_required
    assert newcomer.second_factor == SecondFactor.EMAIL
    assert "account.second_factor_enrolled" in _kinds(newcomer)


def test_a_link_for_someone_else_logs_the_browser_out(
    operator: User, newcomer: User
) -> None:
    invitations.invite_person(actor=operator, user=newcomer)
    path = _link_in_last_mail(newcomer.email)
    browser = _th_client()
    browser.force_login(operator)
    assert "ออกจากระบบ" in browser.get(path).content.decode()
    browser.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "_auth_user_id" not in browser.session


def test_an_unknown_link_shows_a_thai_page() -> None:
    response = _th_client().get(reverse("accounts:invitation", args=["nothing"]))
    assert response.status_code == 410
    assert "ผู้ดูแลระบบ" in response.content.decode()
