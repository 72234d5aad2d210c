"""The login pages: password, e-mail code, TOTP, recovery code, logout."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from prachum.accounts import login
from prachum.accounts.models import EmailCode, SecondFactorVerification, User
from tests.accounts.conftest import PASSWORD, UserFactory, enrol_totp, last_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SECOND_FACTOR = reverse("accounts:second_factor")
RESEND = reverse("accounts:resend_code")


def _subject_in_site_language() -> str:
    with translation.override("th"):
        subject = translation.gettext("Your Prachum login code")
    assert subject != "Your Prachum login code", "the Thai catalogue is not compiled"
    return subject


def _password_step(client: Client, user: User, **extra: str) -> Any:
    return client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, **extra}
    )


def _other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _logged_in_as(client: Client) -> str | None:
    session = client.session
    if not session.get("second_factor_ok"):
        return None
    return session.get("_auth_user_id")


def test_email_code_login_end_to_end(client: Client, user: User, now: Any) -> None:
    response = _password_step(client, user)
    assert response.status_code == 302
    assert response["Location"] == SECOND_FACTOR
    assert "_auth_user_id" not in client.session  # not logged in after the password

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    # Official mail goes out in the site language (Thai) whatever the page language.
    assert message.subject == _subject_in_site_language()
    code = last_code(user.email)

    page = client.get(SECOND_FACTOR)
    assert page.status_code == 200
    assert "Code from the e-mail" in page.content.decode()

    wrong = client.post(SECOND_FACTOR, {"method": "email", "code": _other_code(code)})
    assert wrong.status_code == 200
    assert "The code is incorrect." in wrong.content.decode()
    assert _logged_in_as(client) is None

    ok = client.post(SECOND_FACTOR, {"method": "email", "code": code})
    assert ok.status_code == 302
    assert ok["Location"] == reverse("home")
    assert _logged_in_as(client) == str(user.pk)
    verification = SecondFactorVerification.objects.get(user=user)
    assert verification.method == "email"
    assert verification.ip_address == "127.0.0.1"

    # The code is single-use: a second login cannot reuse it.
    client.post(reverse("accounts:logout"))
    second_client = Client()
    _password_step(second_client, user)
    replay = second_client.post(SECOND_FACTOR, {"method": "email", "code": code})
    assert replay.status_code == 200
    assert _logged_in_as(second_client) is None


def test_expired_email_code_is_refused(
    client: Client, user: User, now: Any, time_machine: Any
) -> None:
    _password_step(client, user)
    code = last_code(user.email)
    time_machine.shift(timedelta(minutes=10, seconds=1))
    response = client.post(SECOND_FACTOR, {"method": "email", "code": code})
    assert response.status_code == 200
    assert "This code has expired." in response.content.decode()
    assert _logged_in_as(client) is None


def test_email_code_stops_working_after_five_wrong_attempts(
    client: Client, user: User, now: Any, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 50  # isolate the per-code limit from the lockout
    _password_step(client, user)
    code = last_code(user.email)
    for _ in range(5):
        client.post(SECOND_FACTOR, {"method": "email", "code": _other_code(code)})
    response = client.post(SECOND_FACTOR, {"method": "email", "code": code})
    assert "Too many wrong codes were entered." in response.content.decode()
    assert _logged_in_as(client) is None


def test_resend_is_throttled_and_invalidates_the_previous_code(
    client: Client, user: User, now: Any, time_machine: Any
) -> None:
    _password_step(client, user)
    first = last_code(user.email)

    response = client.post(RESEND, follow=True)
    assert "You can ask for a new one in 30 seconds." in response.content.decode()
    assert len(mail.outbox) == 1

    time_machine.shift(timedelta(seconds=30))
    response = client.post(RESEND, follow=True)
    assert "A new code has been sent" in response.content.decode()
    assert len(mail.outbox) == 2
    second = last_code(user.email)
    assert EmailCode.objects.filter(user=user).count() == 1

    if first != second:
        old = client.post(SECOND_FACTOR, {"method": "email", "code": first})
        assert _logged_in_as(client) is None
        assert "The code is incorrect." in old.content.decode()
    client.post(SECOND_FACTOR, {"method": "email", "code": second})
    assert _logged_in_as(client) == str(user.pk)


def test_totp_user_logs_in_with_an_authenticator_code(
    client: Client, user: User, now: Any, time_machine: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    time_machine.shift(timedelta(seconds=30))
    _password_step(client, user)
    assert mail.outbox == []  # no e-mail code for TOTP users
    page = client.get(SECOND_FACTOR).content.decode()
    assert "authenticator app" in page
    assert reverse("accounts:resend_code") not in page

    refused = client.post(SECOND_FACTOR, {"method": "email", "code": "123456"})
    assert refused.status_code == 400

    client.post(SECOND_FACTOR, {"method": "totp", "code": totp.now()})
    assert _logged_in_as(client) == str(user.pk)


def test_recovery_code_logs_in_once_through_the_page(
    user: User, now: Any, time_machine: Any
) -> None:
    user, _, codes = enrol_totp(user)
    first = Client(headers={"accept-language": "en"})
    second = Client(headers={"accept-language": "en"})
    _password_step(first, user)
    first.post(SECOND_FACTOR, {"method": "recovery", "code": codes[0]})
    assert _logged_in_as(first) == str(user.pk)

    _password_step(second, user)
    response = second.post(SECOND_FACTOR, {"method": "recovery", "code": codes[0]})
    assert _logged_in_as(second) is None
    assert "The code is incorrect." in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_next_pointing_off_site_is_ignored(
    client: Client, user: User, now: Any, next_url: str
) -> None:
    _password_step(client, user, next=next_url)
    response = client.post(
        SECOND_FACTOR, {"method": "email", "code": last_code(user.email)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_next_within_the_site_is_followed(client: Client, user: User, now: Any) -> None:
    page = client.get(LOGIN, {"next": "/meetings/"})
    assert 'value="/meetings/"' in page.content.decode()
    _password_step(client, user, next="/meetings/")
    response = client.post(
        SECOND_FACTOR, {"method": "email", "code": last_code(user.email)}
    )
    assert response["Location"] == "/meetings/"


def test_wrong_password_shows_the_generic_error(client: Client, user: User) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "The username or password is incorrect." in response.content.decode()
    assert mail.outbox == []


def test_locked_account_message_is_shown_on_the_login_page(
    client: Client, user: User, now: Any
) -> None:
    for _ in range(5):
        response = client.post(LOGIN, {"username": user.username, "password": "x"})
    assert "try again in 15 minutes" in response.content.decode()
    response = _password_step(client, user)
    assert response.status_code == 200
    assert "Too many failed attempts from this network" in response.content.decode()


def test_field_errors_follow_the_request_language(user: User) -> None:
    thai = Client(headers={"accept-language": "th"})
    response = thai.post(LOGIN, {"username": "", "password": ""})
    assert "กรุณากรอกข้อมูลนี้" in response.content.decode()
    english = Client(headers={"accept-language": "en"})
    response = english.post(LOGIN, {"username": "", "password": ""})
    assert "This field is required." in response.content.decode()


def test_second_factor_page_needs_the_password_step_first(client: Client) -> None:
    response = client.get(SECOND_FACTOR)
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_password_step_expires(
    client: Client, user: User, now: Any, time_machine: Any
) -> None:
    _password_step(client, user)
    time_machine.shift(timedelta(minutes=16))
    response = client.get(SECOND_FACTOR)
    assert response["Location"] == LOGIN


def test_logout_needs_post_and_ends_the_session(
    client: Client, user: User, now: Any
) -> None:
    _password_step(client, user)
    client.post(SECOND_FACTOR, {"method": "email", "code": last_code(user.email)})
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _logged_in_as(client) == str(user.pk)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def _outbox_codes(folder: Path) -> dict[str, str]:
    """Recipient -> six-digit code, read from the ``.eml`` files in ``folder``."""
    parser = BytesParser(policy=policy.default)
    codes = {}
    for path in folder.glob("*.eml"):
        message = parser.parsebytes(path.read_bytes())
        body = message.get_body(preferencelist=("plain",)).get_content()
        codes[str(message["To"])] = re.search(r"\b(\d{6})\b", body).group(1)
    return codes


def test_demo_mode_shows_the_code_message_from_the_outbox(
    client: Client, now: Any, settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.DEMO_MODE = True
    somebody_else = UserFactory()
    login.send_email_code(user=somebody_else)
    user = UserFactory()
    _password_step(client, user)
    codes = _outbox_codes(tmp_path / "outbox")
    assert set(codes) == {user.email, somebody_else.email}

    page = client.get(SECOND_FACTOR).content.decode()
    assert "Demo mode: there is no mail server" in page
    assert _subject_in_site_language() in page
    assert codes[user.email] in page
    if codes[somebody_else.email] != codes[user.email]:
        assert codes[somebody_else.email] not in page

    client.post(SECOND_FACTOR, {"method": "email", "code": codes[user.email]})
    assert _logged_in_as(client) == str(user.pk)


def test_with_a_mail_server_the_code_is_not_shown(
    client: Client, user: User, now: Any, settings: Any
) -> None:
    settings.EMAIL_URL = "smtp://mail.example.go.th:25"  # locmem backend still sends
    _password_step(client, user)
    page = client.get(SECOND_FACTOR).content.decode()
    assert "Demo mode" not in page
    assert last_code(user.email) not in page


def test_login_page_sends_nothing_for_an_unknown_user(client: Client, db: None) -> None:
    client.post(LOGIN, {"username": "ghost", "password": PASSWORD})
    assert mail.outbox == []
    assert client.get(SECOND_FACTOR)["Location"] == LOGIN


def test_totp_code_field_is_not_offered_to_email_users(
    client: Client, user: User, now: Any
) -> None:
    _password_step(client, user)
    totp = pyotp.TOTP(pyotp.random_base32())
    response = client.post(SECOND_FACTOR, {"method": "totp", "code": totp.now()})
    assert response.status_code == 400
