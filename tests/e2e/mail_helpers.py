"""People read their mail outside Prachum: the outbox folder stands for their mailbox."""

from __future__ import annotations

import email
import email.policy
import html
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page


def mail_to(address: str, subject_part: str = "") -> email.message.EmailMessage:
    """The newest mail to ``address`` (whose subject holds ``subject_part``)."""
    found = []
    for path in sorted(Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml")):
        message = email.message_from_bytes(
            path.read_bytes(), policy=email.policy.default
        )
        if address in str(message["To"]) and subject_part in str(message["Subject"]):
            found.append(message)
    assert found, f"no mail to {address} about {subject_part!r}"
    return found[-1]


def open_mail(page: Page, message: email.message.EmailMessage) -> None:
    """The person's mail program: the mail's text, its links clickable."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = html.escape(body.get_content())
    linked = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)
    page.set_content(f"<meta charset='utf-8'><pre>{linked}</pre>")
