"""The secretary prepares a meeting and sends the notice, in a real browser."""

from __future__ import annotations

import email
import email.policy
import hashlib
import time
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.notices.models import NoticeMessage
from tests.factories.meetings import MINIMAL_PDF
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A real one-page PDF: uploads are opened and checked (issue 15 F7).
PDF = MINIMAL_PDF


def _log_in(page: Page, base: str, user: Any, password: str, secret: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/**")
    page.locator("input[name=code]").first.fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/meetings/")


def test_secretary_prepares_meeting_and_sends_notice(
    page: Page,
    live_server: Any,
    settings: Any,
    smtp_server: SmtpServer,
    committee: Any,
    secretary: Any,
    chair: Any,
    member: Any,
) -> None:
    settings.EMAIL_URL = smtp_server.url
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    password = "a-long-demo-passphrase-42"
    secret = pyotp.random_base32()
    secretary.set_password(password)
    secretary.second_factor = "totp"
    secretary.totp_secret = secret
    secretary.totp_confirmed_at = timezone.now()
    secretary.save()
    base = live_server.url

    _log_in(page, base, secretary, password, secret)

    # Create a meeting ten days ahead.
    page.get_by_role("link", name=committee.name).first.click()
    page.wait_for_url("**/meetings/new/**")
    start = timezone.localtime() + timedelta(days=10)
    page.fill("input[name=title]", "การประชุมคณะกรรมการทดสอบ")
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT10:00"))
    page.fill("input[name=ends_at]", start.strftime("%Y-%m-%dT12:00"))
    page.select_option("select[name=mode]", "electronic")
    page.locator("#meeting-form button[type=submit]").click()
    # A draft has no number yet: the first notice gives it (ADR 0015).
    expect(page.locator("#meeting-number")).to_contain_text("ยังไม่กำหนด")
    meeting = Meeting.objects.get()
    expect(page.locator("#agenda .item-title")).to_have_count(5)

    # Edit the agenda: a sub-item under item 4.
    page.fill("#agenda-form input[name=title]", "โครงการปรับปรุงถนนสายหลัก")
    page.select_option("#agenda-form select[name=parent]", label="เรื่องเพื่อพิจารณา")
    page.locator("#agenda-form button[type=submit]").click()
    expect(page.locator("#agenda")).to_contain_text("4.1")
    expect(page.locator("#agenda")).to_contain_text("โครงการปรับปรุงถนนสายหลัก")

    # Upload a document.
    page.fill("#document-form input[name=title]", "รายละเอียดโครงการ")
    page.set_input_files(
        "#document-form input[name=file]",
        files=[{"name": "project.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("#document-form button[type=submit]").click()
    expect(page.locator("#documents")).to_contain_text("รายละเอียดโครงการ")

    # The chair decides to meet electronically (Decree s.6), then the secretary sends.
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    page.reload()
    page.locator("#send-notice").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("#meeting-number")).to_have_text(f"1/{start.year + 543}")

    participants = committee.memberships.count()
    deadline = time.monotonic() + 15
    while len(smtp_server.messages) < participants and time.monotonic() < deadline:
        time.sleep(0.1)
    received = smtp_server.messages
    assert len(received) == participants
    assert sorted(r for m in received for r in m.rcpt_tos) == sorted(
        committee.memberships.values_list("user__email", flat=True)
    )
    stored = {m.message_id: m for m in NoticeMessage.objects.all()}
    assert len(stored) == participants
    for message in received:
        parsed = email.message_from_bytes(message.content, policy=email.policy.default)
        copy = stored[str(parsed["Message-ID"]).strip()]
        assert hashlib.sha256(message.content).hexdigest() == copy.sha256
        types = {part.get_content_type() for part in parsed.iter_attachments()}
        assert "application/pdf" in types
        assert "text/calendar" in types
    expect(page.locator("#notice .notice-messages tr")).to_have_count(participants)
