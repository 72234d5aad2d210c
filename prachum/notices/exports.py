"""The notices exactly as sent: the letter, the .ics and every e-mail's bytes (R11, R36)."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.notices.models import Notice


def notice_files(meeting: Meeting) -> Iterator[File]:
    for notice in Notice.objects.filter(meeting=meeting).order_by("sent_at"):
        base = f"notices/{notice.pk}"
        yield f"{base}/letter.pdf", bytes(notice.letter_pdf)
        yield f"{base}/invitation.ics", bytes(notice.ics)
        summary = []
        for message in notice.messages.order_by("recipient_email"):
            yield f"{base}/messages/{message.pk}.eml", bytes(message.raw)
            summary.append(
                {
                    "to": message.recipient_email,
                    "message_id": message.message_id,
                    "sha256": message.sha256,
                    "status": message.status,
                    "delivered_at": message.delivered_at,
                }
            )
        yield (
            f"{base}/notice.json",
            json_bytes(
                {
                    "letter_number": notice.letter_number,
                    "sent_at": notice.sent_at,
                    "sent_by": str(notice.sent_by_id),
                    "rule": notice.notice_rule_code,
                    "messages": summary,
                }
            ),
        )
