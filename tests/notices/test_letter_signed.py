"""The invitation letter is signed by the agency as PDF (PAdES, issue 16 point 4,
ADR 0022): the copy each recipient receives, read back from the stored mail bytes,
validates with pyHanko and pdfsig and fails after one byte changes; the demo
certificate is private and says it is a demo."""

from __future__ import annotations

import email
import hashlib
import stat
from email import policy
from pathlib import Path
from typing import Any

import pytest

from prachum.evidence.pdf_signing import configured_certificate, signer_identity
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.notices import services
from tests.pdf_signature_checks import assert_signed_by_the_agency

pytestmark = pytest.mark.django_db


def _letter_attachment(raw: bytes) -> bytes:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    for part in parsed.iter_attachments():  # type: ignore[attr-defined]
        if part.get_filename() == services.LETTER_FILENAME:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError("no letter attached")


def test_each_copy_of_the_letter_is_signed_and_the_signed_bytes_are_sent(
    ready_meeting: Meeting, secretary: Any, tmp_path: Path
) -> None:
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    stored = bytes(notice.letter_pdf)
    check = assert_signed_by_the_agency(stored, tmp_path)
    assert check.certificate_sha256 == signer_identity().certificate_sha256
    sent = next(
        e
        for e in list_events(chain_key=ready_meeting.chain_key)
        if e.kind == "notice.sent"
    ).payload
    assert sent["letter_sha256"] == hashlib.sha256(stored).hexdigest()
    by_recipient = {m["to"]: m["letter_sha256"] for m in sent["messages"]}
    messages = list(notice.messages.all())
    assert messages
    for message in messages:
        attached = _letter_attachment(bytes(message.raw))
        # ADR 0006: the bytes stored are the bytes sent, and the chain holds their hash.
        assert (
            hashlib.sha256(attached).hexdigest()
            == by_recipient[message.recipient_email]
        )
    assert_signed_by_the_agency(_letter_attachment(bytes(messages[0].raw)), tmp_path)


def test_the_demo_certificate_is_private_and_says_demo(
    ready_meeting: Meeting, secretary: Any, loose_umask: None
) -> None:
    services.send_notice(actor=secretary, meeting=ready_meeting)
    where = configured_certificate()
    assert where.demo
    for path in (where.key_file, where.cert_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    identity = signer_identity()
    assert identity.demo
    assert "DEMO" in identity.name
