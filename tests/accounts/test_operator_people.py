"""The operators' people pages: find a person, invite again, reset the factor, unlock."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prachum.accounts import factors, login, mails, otp
from prachum.accounts.models import Invitation, RecoveryCode, SecondFactor, User
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from tests.accounts.conftest import (
    PASSWORD,
    USER_AGENT,
    UserFactory,
    enrol_totp,
    full_login,
)

pytestmark = pytest.mark.django_db

PEOPLE = reverse("accounts:people")


def _action(person: User, action: str) -> str:
    return reverse("accounts:person_action", args=[person.pk, action])


def _last_mail_to(person: User) -> Any:
    sent = [m for m in mail.outbox if person.email in m.to]
    assert sent, f"no mail to {person.email}"
    return message_from_bytes(sent[-1].message().as_bytes(), policy=policy.default)


def test_the_people_page_is_for_operators_only(client: Client, db: None) -> None:
    plain = UserFactory()
    assert client.get(PEOPLE).status_code == 302  # to the login page
    client.force_login(plain)  # password only: still sent to log in
    assert client.get(PEOPLE)["Location"].startswith(reverse("accounts:login"))
    full_login(client, plain)
    assert client.get(PEOPLE).status_code == 403
    target = UserFactory()
    assert client.post(_action(target, "reset_factor")).status_code == 403
    assert client.post(_action(target, "invite")).status_code == 403
    assert not Invitation.objects.exists()


def test_the_navigation_links_the_people_page_for_operators(
    operator_client: Client, client: Client, db: None
) -> None:
    assert (
        f'href="{PEOPLE}"'
        in operator_client.get(reverse("accounts:security")).content.decode()
    )
    full_login(client, UserFactory())
    assert PEOPLE not in client.get(reverse("accounts:security")).content.decode()


def test_people_are_found_by_name_or_email(operator_client: Client) -> None:
    UserFactory(full_name="สมหญิง รักดี", email="somying@example.go.th")
    UserFactory(full_name="มานะ ขยัน", email="mana@example.go.th")
    by_name = operator_client.get(PEOPLE, {"q": "สมหญิง"}).content.decode()
    assert "สมหญิง รักดี" in by_name
    assert "มานะ" not in by_name
    by_mail = operator_client.get(PEOPLE, {"q": "mana@"}).content.decode()
    assert "มานะ ขยัน" in by_mail
    assert "สมหญิง" not in by_mail
    assert "ผู้ใช้" in by_mail  # the Thai title


def test_resend_invitation_from_the_person_page(
    operator_client: Client, operator: User
) -> None:
    person = User(username="mana", email="mana@example.go.th", full_name="มานะ ขยัน")
    person.set_unusable_password()
    person.save()
    page = operator_client.get(
        reverse("accounts:person", args=[person.pk])
    ).content.decode()
    assert "ส่งคำเชิญอีกครั้ง" in page

    response = operator_client.post(_action(person, "invite"), follow=True)
    assert "ส่งคำเชิญอีกครั้งแล้ว" in response.content.decode()
    assert Invitation.objects.filter(user=person).count() == 1
    parsed = _last_mail_to(person)
    assert parsed[otp.LOGIN_CODE_HEADER] == mails.INVITATION
    event = list_events(chain_key=f"account:{person.pk}").get(
        kind="account.invitation_sent"
    )
    assert event.actor_label == f"user:{operator.pk}"


def test_reset_second_factor_is_recorded_mailed_and_forces_enrolment(
    operator_client: Client, operator: User, client: Client
) -> None:
    person, _, _ = enrol_totp(UserFactory())
    assert RecoveryCode.objects.filter(user=person).count() == 10

    response = operator_client.post(_action(person, "reset_factor"), follow=True)
    assert "รีเซ็ตการยืนยันตัวตนขั้นที่สองแล้ว" in response.content.decode()

    person.refresh_from_db()
    assert person.second_factor == SecondFactor.EMAIL
    assert not person.totp_secret
    assert person.totp_confirmed_at is None
    assert person.second_factor_enrolment_required
    assert not RecoveryCode.objects.filter(user=person).exists()
    event = list_events(chain_key=f"account:{person.pk}").get(
        kind="account.second_factor_reset"
    )
    assert event.actor_label == f"user:{operator.pk}"
    assert event.payload["from"] == "totp"
    assert check_chain(chain_key=f"account:{person.pk}").ok
    parsed = _last_mail_to(person)
    assert parsed[otp.LOGIN_CODE_HEADER] == mails.SECOND_FACTOR_RESET
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert operator.full_name in body
    assert "รีเซ็ต" in body

    # The next login goes to the enrolment page, not to a code.
    step = client.post(
        reverse("accounts:login"), {"username": person.username, "password": PASSWORD}
    )
    assert step["Location"] == reverse("accounts:enrol")


def test_unlock_from_the_person_page_is_recorded_and_mailed(
    operator_client: Client, operator: User
) -> None:
    person = UserFactory(locked_until=timezone.now() + timedelta(minutes=10))
    page = operator_client.get(
        reverse("accounts:person", args=[person.pk])
    ).content.decode()
    assert "ปลดล็อกบัญชี" in page

    operator_client.post(_action(person, "unlock"))
    person.refresh_from_db()
    assert person.locked_until is None
    event = list_events(chain_key=f"account:{person.pk}").get(kind="account.unlocked")
    assert event.actor_label == f"user:{operator.pk}"
    assert _last_mail_to(person)[otp.LOGIN_CODE_HEADER] == mails.UNLOCKED


def test_the_services_refuse_non_operators(db: None) -> None:
    someone, person = UserFactory(), UserFactory()
    with pytest.raises(PermissionDeniedError):
        factors.reset_second_factor(actor=someone, user=person)
    with pytest.raises(PermissionDeniedError):
        login.unlock_account(actor=someone, user=person)
    assert list(list_events(chain_key=f"account:{person.pk}")) == []
    assert mail.outbox == []


def test_a_reset_is_undone_when_the_mail_fails(operator: User, settings: Any) -> None:
    person, _, _ = enrol_totp(UserFactory())
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_URL = "smtp://127.0.0.1:9"
    with pytest.raises(ServiceError) as failed:
        factors.reset_second_factor(actor=operator, user=person)
    assert failed.value.code == "EMAIL_SEND_FAILED"
    person.refresh_from_db()
    assert person.second_factor == SecondFactor.TOTP
    assert RecoveryCode.objects.filter(user=person).count() == 10


def test_a_reset_ends_the_persons_open_session(operator: User, db: None) -> None:
    person = UserFactory()
    their_browser = Client(headers={"user-agent": USER_AGENT})
    full_login(their_browser, person)
    assert their_browser.get(reverse("accounts:security")).status_code == 200

    factors.reset_second_factor(actor=operator, user=person)

    response = their_browser.get(reverse("meetings:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in their_browser.session
