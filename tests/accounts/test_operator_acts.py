"""Issue 15 F3: every operator act on an account is evidence, and the admin cannot
bypass it (e-mail, password, active and operator flags)."""

from __future__ import annotations

from email import message_from_bytes, policy
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from prachum.accounts import mails, operator_acts, otp
from prachum.accounts.models import Invitation, User
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from tests.accounts.conftest import PASSWORD, USER_AGENT, UserFactory, full_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _chain(person: User) -> list[Any]:
    return list(list_events(chain_key=f"account:{person.pk}"))


def _mails_to(address: str) -> list[Any]:
    return [
        message_from_bytes(m.message().as_bytes(), policy=policy.default)
        for m in mail.outbox
        if address in m.to
    ]


def _body(parsed: Any) -> str:
    return str(parsed.get_body(preferencelist=("plain",)).get_content())


class _FormFields(HTMLParser):
    """The values a browser would post back from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def test_f3_the_admin_cannot_change_an_email_a_password_or_the_flags(
    superuser: User,
) -> None:
    client = Client(headers={"user-agent": USER_AGENT})
    full_login(client, superuser)
    person = UserFactory(email="somchai@example.go.th")
    url = f"/ops/admin/accounts/user/{person.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert "md5$" not in page.content.decode()  # no password hash on the page
    fields = _FormFields()
    fields.feed(page.content.decode())
    data = {
        **fields.data,
        "email": "attacker@example.org",
        "is_staff": "on",
        "is_superuser": "on",
        "full_name": "สมชาย ใจดี",
        "_save": "Save",
    }
    data.pop("is_active", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]

    person.refresh_from_db()
    assert person.full_name == "สมชาย ใจดี"  # ordinary details still change here
    assert person.email == "somchai@example.go.th"
    assert person.is_active
    assert not person.is_staff
    assert not person.is_superuser

    password_url = f"/ops/admin/accounts/user/{person.pk}/password/"
    assert client.get(password_url).status_code == 403
    taken = client.post(
        password_url,
        {"password1": "N3w-pass phrase!", "password2": "N3w-pass phrase!"},
    )
    assert taken.status_code == 403
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_f3_an_email_change_is_evidence_and_tells_the_previous_address(
    operator_client: Client, operator: User
) -> None:
    person = UserFactory(email="somchai@example.go.th")
    page = operator_client.get(
        reverse("accounts:person", args=[person.pk])
    ).content.decode()
    assert "เปลี่ยนที่อยู่อีเมล" in page

    response = operator_client.post(
        reverse("accounts:person_email", args=[person.pk]),
        {"email": "somchai.j@example.go.th"},
        follow=True,
    )
    assert "somchai@example.go.th" in response.content.decode()

    person.refresh_from_db()
    assert person.email == "somchai.j@example.go.th"
    (event,) = [e for e in _chain(person) if e.kind == "account.email_changed"]
    assert event.actor_label == f"user:{operator.pk}"
    assert event.payload["previous"] == "somchai@example.go.th"
    assert event.payload["new"] == "somchai.j@example.go.th"
    assert event.payload["by_name"] == operator.display_name
    assert check_chain(chain_key=f"account:{person.pk}").ok
    (old,) = _mails_to("somchai@example.go.th")
    (new,) = _mails_to("somchai.j@example.go.th")
    for parsed in (old, new):
        assert parsed[otp.LOGIN_CODE_HEADER] == mails.EMAIL_CHANGED
        assert operator.full_name in _body(parsed)
        assert "somchai.j@example.go.th" in _body(parsed)


def test_an_email_already_used_or_invalid_is_refused_in_thai(
    operator_client: Client,
) -> None:
    person = UserFactory(email="a@example.go.th")
    UserFactory(email="b@example.go.th")
    url = reverse("accounts:person_email", args=[person.pk])
    taken = operator_client.post(url, {"email": "B@example.go.th"})
    assert taken.status_code == 400
    assert "ใช้กับบัญชีผู้ใช้อื่นอยู่แล้ว" in taken.content.decode()
    bad = operator_client.post(url, {"email": "not-an-address"})
    assert bad.status_code == 400
    person.refresh_from_db()
    assert person.email == "a@example.go.th"
    assert _chain(person) == []
    assert mail.outbox == []


def test_f3_a_password_reset_voids_the_old_one_and_mails_a_link_not_a_password(
    operator_client: Client, operator: User, client: Client
) -> None:
    person = UserFactory()
    theirs = Client(headers={"user-agent": USER_AGENT})
    full_login(theirs, person)

    response = operator_client.post(
        reverse("accounts:person_action", args=[person.pk, "reset_password"]),
        follow=True,
    )
    assert "รีเซ็ตรหัสผ่านแล้ว" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    kinds = [e.kind for e in _chain(person)]
    assert kinds == ["account.password_reset", "account.invitation_sent"]
    assert _chain(person)[0].actor_label == f"user:{operator.pk}"
    assert Invitation.objects.filter(user=person, used_at__isnull=True).count() == 1
    sent = _mails_to(person.email)
    assert [m[otp.LOGIN_CODE_HEADER] for m in sent] == [
        mails.PASSWORD_RESET,
        mails.INVITATION,
    ]
    # Their open session ended with the old password.
    assert theirs.get(reverse("accounts:security")).status_code == 302


def test_f3_closing_and_reopening_an_account_and_the_operator_flag_are_evidence(
    operator_client: Client, operator: User
) -> None:
    person = UserFactory()
    for action in ("deactivate", "reactivate", "make_operator", "remove_operator"):
        response = operator_client.post(
            reverse("accounts:person_action", args=[person.pk, action])
        )
        assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_active
    assert not person.is_staff
    events = _chain(person)
    assert [e.kind for e in events] == [
        "account.deactivated",
        "account.reactivated",
        "account.operator_granted",
        "account.operator_revoked",
    ]
    assert {e.actor_label for e in events} == {f"user:{operator.pk}"}
    assert [m[otp.LOGIN_CODE_HEADER] for m in _mails_to(person.email)] == [
        mails.DEACTIVATED,
        mails.REACTIVATED,
        mails.OPERATOR_CHANGED,
        mails.OPERATOR_CHANGED,
    ]


def test_a_closed_account_cannot_log_in(
    operator_client: Client, client: Client
) -> None:
    person = UserFactory()
    operator_acts.set_active(
        actor=User.objects.get(username="operator"), user=person, active=False
    )
    step = client.post(
        reverse("accounts:login"), {"username": person.username, "password": PASSWORD}
    )
    assert step.status_code == 200  # stays on the login page
    assert "_auth_user_id" not in client.session


def test_the_acts_are_refused_to_others_on_oneself_and_on_a_superuser(
    operator: User, superuser: User
) -> None:
    someone, person = UserFactory(), UserFactory()
    with pytest.raises(PermissionDeniedError):
        operator_acts.change_email(actor=someone, user=person, email="x@example.org")
    with pytest.raises(PermissionDeniedError):
        operator_acts.set_operator(actor=someone, user=someone, operator=True)
    with pytest.raises(PermissionDeniedError) as own:
        operator_acts.set_active(actor=operator, user=operator, active=False)
    assert own.value.code == "NOT_ON_YOURSELF"
    with pytest.raises(PermissionDeniedError) as root:
        operator_acts.reset_password(actor=operator, user=superuser)
    assert root.value.code == "SUPERUSER_ONLY"
    someone.refresh_from_db()
    assert not someone.is_staff
    assert _chain(person) == []
    assert _chain(superuser) == []
    assert mail.outbox == []


def test_an_email_change_is_undone_when_the_mail_fails(
    operator: User, settings: Any
) -> None:
    person = UserFactory(email="keep@example.go.th")
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_URL = "smtp://127.0.0.1:9"
    with pytest.raises(ServiceError) as failed:
        operator_acts.change_email(actor=operator, user=person, email="n@example.org")
    assert failed.value.code == "EMAIL_SEND_FAILED"
    person.refresh_from_db()
    assert person.email == "keep@example.go.th"
    assert _chain(person) == []


def test_a_person_added_in_the_admin_gets_no_password_but_an_invitation(
    superuser: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(headers={"user-agent": USER_AGENT})
    full_login(client, superuser)
    page = client.get("/ops/admin/accounts/user/add/").content.decode()
    assert 'name="password1"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ops/admin/accounts/user/add/",
            {
                "username": "mana",
                "email": "mana@example.go.th",
                "title": "นาย",
                "full_name": "มานะ ขยัน",
                "position": "",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(username="mana")
    assert not person.has_usable_password()
    assert [e.kind for e in _chain(person)] == ["account.invitation_sent"]


def test_the_new_pages_refuse_non_operators_and_acts_on_oneself(
    operator_client: Client, operator: User, client: Client
) -> None:
    person = UserFactory(email="p@example.go.th")
    full_login(client, UserFactory())
    url = reverse("accounts:person_email", args=[person.pk])
    assert client.post(url, {"email": "x@example.org"}).status_code == 403
    for action in ("reset_password", "deactivate", "make_operator"):
        assert (
            client.post(
                reverse("accounts:person_action", args=[person.pk, action])
            ).status_code
            == 403
        )
    own = operator_client.get(
        reverse("accounts:person", args=[operator.pk])
    ).content.decode()
    assert "ปิดบัญชีผู้ใช้" not in own  # no button to close one's own account
    refused = operator_client.post(
        reverse("accounts:person_action", args=[operator.pk, "deactivate"]),
        follow=True,
    )
    assert "ไม่สามารถดำเนินการนี้กับบัญชีของตนเองได้" in refused.content.decode()
    operator.refresh_from_db()
    person.refresh_from_db()
    assert operator.is_active
    assert (person.email, person.is_active, person.is_staff) == (
        "p@example.go.th",
        True,
        False,
    )
    assert _chain(person) == []
    assert _chain(operator) == []
