"""A person imported from a roster sets a password from the invitation, by clicking."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from prachum.accounts.models import User
from tests.e2e.mail_helpers import mail_to, open_mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROSTER = (
    "username,email,title,full_name,position,role\r\n"
    "somchai,somchai@example.go.th,นาย,สมชาย ใจดี,ผู้อำนวยการ,กรรมการ\r\n"
).encode()
NEW_PASSWORD = "Rain over Chiang Mai 2569"


def test_an_imported_person_sets_a_password_and_enrols(
    page: Page, live_server: Any, committee: Any, secretary: Any
) -> None:
    password = "a-long-demo-passphrase-42"
    secret = pyotp.random_base32()
    secretary.set_password(password)
    secretary.second_factor = "totp"
    secretary.totp_secret = secret
    secretary.totp_confirmed_at = timezone.now()
    secretary.save()
    base = live_server.url

    page.goto(f"{base}/")
    page.fill("input[name=username]", secretary.username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.locator("input[name=code]").first.fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/meetings/")

    # The roster, from the committee page.
    page.get_by_role("link", name="คณะกรรมการ", exact=True).click()
    page.get_by_role("link", name=committee.name).first.click()
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER}],
    )
    page.get_by_role("button", name="นำเข้า").click()
    expect(page.locator(".messages")).to_contain_text("คำเชิญทางอีเมล")

    # The outbox page is for operators only: the person reads the invitation in
    # their own mail program, its link a link.
    expect(page.get_by_role("link", name="กล่องจดหมายออก")).to_have_count(0)
    open_mail(page, mail_to("somchai@example.go.th"))
    page.locator("a[href*='/accounts/invitation/']").click()
    expect(page.locator("h1")).to_have_text("ตั้งรหัสผ่าน")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.get_by_role("button", name="ตั้งรหัสผ่าน").click()

    # The secretary was logged out; the person logs in and enrols a factor.
    page.wait_for_url("**/accounts/login/**")
    expect(page.locator("input[name=username]")).to_have_value("somchai")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/enrol/")
    page.get_by_role("button", name="ตั้งค่าแอปยืนยันตัวตน").click()
    key = page.locator("code[data-totp-secret]").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(key).now())
    page.get_by_role("button", name="ยืนยัน", exact=True).click()
    page.locator("a.button").click()
    page.wait_for_url(f"{base}/meetings/")
    expect(page.locator(".who")).to_contain_text("สมชาย ใจดี")
    person = User.objects.get(username="somchai")
    assert not person.second_factor_enrolment_required
