from __future__ import annotations

import email
import hashlib
import re
from email import policy
from pathlib import Path

import pytest
from django.core.mail import EmailMessage

from prachum.core.mail import RawEmailBackend, deliver_raw, serialize_message
from tests.smtp import free_port


def _message(body: str = "สวัสดีครับ\nบรรทัดที่สอง\n.\nจบ") -> EmailMessage:
    message = EmailMessage(
        subject="ทดสอบ การส่งอีเมล",
        body=body,
        from_email="prachum@example.go.th",
        to=["member1@example.go.th"],
        headers={"Message-ID": "<test-1@example.go.th>"},
    )
    message.attach("note.txt", "บรรทัดหนึ่ง\nบรรทัดสอง\n", "text/plain")
    message.attach("paper.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf")
    return message


def test_serialize_message_gives_crlf_bytes():
    raw = serialize_message(_message())

    assert isinstance(raw, bytes)
    assert raw.endswith(b"\r\n")
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"].strip() == "ทดสอบ การส่งอีเมล"  # may be folded
    assert parsed["Message-ID"] == "<test-1@example.go.th>"
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "สวัสดีครับ" in body
    (pdf,) = [p for p in parsed.iter_attachments() if p.get_filename() == "paper.pdf"]
    assert pdf.get_content() == b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def test_without_email_url_the_exact_bytes_go_to_the_outbox(settings):
    assert settings.EMAIL_URL == ""
    raw = serialize_message(_message())

    deliver_raw(sender="prachum@example.go.th", recipients=["a@example.go.th"], raw=raw)
    deliver_raw(sender="prachum@example.go.th", recipients=["b@example.go.th"], raw=raw)

    files = sorted(Path(settings.EMAIL_OUTBOX_DIR).iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" for f in files)
    assert [f.read_bytes() for f in files] == [raw, raw]


def test_through_smtp_the_server_receives_the_exact_bytes(settings, smtp_server):
    settings.EMAIL_URL = smtp_server.url
    raw = serialize_message(_message())

    deliver_raw(
        sender="prachum@example.go.th",
        recipients=["a@example.go.th", "b@example.go.th"],
        raw=raw,
    )

    (received,) = smtp_server.messages
    assert received.mail_from == "prachum@example.go.th"
    assert received.rcpt_tos == ("a@example.go.th", "b@example.go.th")
    assert (
        hashlib.sha256(received.content).hexdigest() == hashlib.sha256(raw).hexdigest()
    )
    assert not list(Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml"))


def test_an_unknown_scheme_is_refused(settings):
    settings.EMAIL_URL = "http://127.0.0.1:25"
    with pytest.raises(ValueError, match="scheme"):
        deliver_raw(
            sender="a@example.go.th", recipients=["b@example.go.th"], raw=b"x\r\n"
        )


def test_a_refused_connection_raises(settings):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    with pytest.raises(OSError):  # noqa: PT011 - any transport error is what callers see
        deliver_raw(
            sender="a@example.go.th", recipients=["b@example.go.th"], raw=b"x\r\n"
        )


def test_the_django_backend_writes_the_serialised_message(settings):
    message = _message()
    expected = serialize_message(message)

    sent = RawEmailBackend().send_messages([message, EmailMessage(subject="no one")])

    assert sent == 1
    (file,) = Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml")
    written = file.read_bytes()
    assert b"\n" not in written.replace(b"\r\n", b"")
    # MIME boundaries are random per serialisation; everything else is identical.
    boundary = re.compile(rb"=+\d+==")
    assert boundary.sub(b"B", written) == boundary.sub(b"B", expected)


def test_the_django_backend_reports_failures_unless_silenced(settings):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    with pytest.raises(OSError):  # noqa: PT011
        RawEmailBackend().send_messages([_message()])
    assert RawEmailBackend(fail_silently=True).send_messages([_message()]) == 0
