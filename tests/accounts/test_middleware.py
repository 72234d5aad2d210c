"""Half-logged-in sessions and the operators' admin (SecondFactorRequiredMiddleware)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.accounts.models import User
from prachum.evidence.selectors import list_events
from tests.accounts.conftest import UserFactory, enrol_totp, full_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture
def half_logged_in(client: Client, user: User) -> Client:
    """Logged in (e.g. by another code path) without passing the second factor."""
    client.force_login(user)
    return client


def test_half_logged_in_session_is_sent_back_to_login_from_pages(
    half_logged_in: Client,
) -> None:
    response = half_logged_in.get("/meetings/?tab=today")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/meetings/%3Ftab%3Dtoday"


def test_half_logged_in_session_gets_401_json_from_the_api(
    half_logged_in: Client,
) -> None:
    response = half_logged_in.get("/api/meetings")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "SECOND_FACTOR_REQUIRED"


def test_half_logged_in_session_may_reach_login_and_language_pages(
    half_logged_in: Client,
) -> None:
    assert half_logged_in.get(LOGIN).status_code == 200
    response = half_logged_in.post("/i18n/setlang/", {"language": "th", "next": LOGIN})
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_half_logged_in_session_cannot_use_the_security_pages(
    half_logged_in: Client,
) -> None:
    for name in ("security", "totp_enrol", "recovery_codes"):
        response = half_logged_in.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    response = half_logged_in.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 302


def test_fully_logged_in_session_passes(client: Client, user: User) -> None:
    full_login(client, user)
    page = client.get("/meetings/")
    assert not (page.status_code == 302 and page["Location"].startswith(LOGIN))
    api = client.get("/api/meetings")
    assert api.status_code != 401


def test_admin_sends_anonymous_visitors_to_the_two_factor_login(
    client: Client,
) -> None:
    for path in ("/ops/admin/", "/ops/admin/login/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")


def test_admin_password_only_login_cannot_be_used(client: Client, db: None) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.post(
        "/ops/admin/login/", {"username": staff.username, "password": "x"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_admin_needs_the_second_factor_even_for_staff(client: Client, db: None) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/ops/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_admin_refuses_people_who_are_not_staff(client: Client, user: User) -> None:
    full_login(client, user)
    assert client.get("/ops/admin/").status_code == 403


def test_admin_opens_for_staff_with_second_factor_and_hides_the_totp_secret(
    client: Client, db: None, now: Any
) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    member, totp, _ = enrol_totp(UserFactory())
    full_login(client, staff)
    assert client.get("/ops/admin/").status_code == 200
    change = client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert member.full_name in html
    assert totp.secret not in html
    assert "totp_secret" not in html
    listing = client.get(reverse("admin:accounts_user_changelist"))
    assert totp.secret not in listing.content.decode()


def test_admin_add_form_and_unlock_action(client: Client, db: None, now: Any) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    full_login(client, staff)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200

    locked = UserFactory(failed_logins=3, locked_until=now)
    locked.locked_until = now.replace(year=now.year + 1)
    locked.save()
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_accounts", "_selected_action": [str(locked.pk)]},
    )
    assert response.status_code == 302
    locked.refresh_from_db()
    assert locked.locked_until is None
    assert locked.failed_logins == 0
    event = list_events(chain_key=f"account:{locked.pk}").get(kind="account.unlocked")
    assert event.actor_label == f"user:{staff.pk}"
