"""Mail that is serialised once, so the bytes stored as evidence are the bytes sent.

Decree s.8 and R11 ask for exact copies of what was sent. Django's SMTP backend
re-serialises a message on send (new MIME boundaries), so Prachum serialises a message
once with :func:`serialize_message` and hands those bytes to :func:`deliver_raw`.
Without ``EMAIL_URL`` the bytes go to the outbox folder (one ``.eml`` per recipient
message), which the UI shows.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from prachum.core.private_files import private_dir, write_private_bytes


def serialize_message(message: EmailMessage) -> bytes:
    """Return the RFC 5322 bytes of ``message`` with CRLF line ends, as SMTP carries them."""
    # Django's SafeMIME classes accept ``linesep``; the stdlib stubs do not know it.
    raw = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw


def outbox_dir() -> Path:
    return private_dir(Path(settings.EMAIL_OUTBOX_DIR))


def deliver_raw(*, sender: str, recipients: Sequence[str], raw: bytes) -> None:
    """Send ``raw`` unchanged through SMTP (``EMAIL_URL``) or into the outbox folder."""
    url = settings.EMAIL_URL
    if not url:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        # Login codes and notices: for Prachum's user only (0600 in a 0700 folder).
        write_private_bytes(outbox_dir() / name, raw)
        return
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    timeout = 30
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host,
            parts.port or 465,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    elif parts.scheme in {"smtp", "smtp+tls"}:
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    else:
        raise ValueError(f"EMAIL_URL scheme must be smtp, smtp+tls or smtps: {url!r}")
    with client:
        if parts.scheme == "smtp+tls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.sendmail(sender, list(recipients), raw)


class RawEmailBackend(BaseEmailBackend):
    """Django e-mail backend on top of :func:`deliver_raw` (used for login codes)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            try:
                deliver_raw(
                    sender=message.from_email,
                    recipients=recipients,
                    raw=serialize_message(message),
                )
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent
