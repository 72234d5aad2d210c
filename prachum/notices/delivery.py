"""Handing a notice's stored e-mails to the mail server (run by the worker; R10).

:func:`prachum.notices.services.send_notice` stored the exact bytes of every e-mail;
these same bytes are sent, and each outcome is recorded in the meeting's evidence
chain (ADR 0006).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from prachum.core.mail import deliver_raw
from prachum.evidence.services import append_event
from prachum.notices.events import NoticeEvent
from prachum.notices.models import NoticeMessage

logger = logging.getLogger(__name__)


def deliver_notice(*, notice_id: str) -> int:
    """Hand each stored message, byte for byte, to the mail server; record the outcome."""
    delivered = 0
    pending = NoticeMessage.objects.filter(notice_id=notice_id).exclude(
        status=NoticeMessage.Status.SENT
    )
    for message in pending.select_related("notice__meeting"):
        try:
            deliver_raw(
                sender=message.sender,
                recipients=[message.recipient_email],
                raw=bytes(message.raw),
            )
        except Exception as exc:
            logger.warning("notice delivery failed for %s: %s", message.message_id, exc)
            with transaction.atomic():
                NoticeMessage.objects.filter(pk=message.pk).update(
                    status=NoticeMessage.Status.FAILED,
                    error=str(exc)[:2000],
                    attempts=message.attempts + 1,
                )
                append_event(
                    chain_key=message.notice.meeting.chain_key,
                    kind=NoticeEvent.NOTICE_DELIVERY_FAILED,
                    actor=None,
                    payload={"message_id": message.message_id, "error": str(exc)[:500]},
                )
            continue
        with transaction.atomic():
            NoticeMessage.objects.filter(pk=message.pk).update(
                status=NoticeMessage.Status.SENT,
                delivered_at=timezone.now(),
                attempts=message.attempts + 1,
                error="",
            )
            append_event(
                chain_key=message.notice.meeting.chain_key,
                kind=NoticeEvent.NOTICE_DELIVERED,
                actor=None,
                payload={
                    "message_id": message.message_id,
                    "to": message.recipient_email,
                    "sha256": message.sha256,
                },
            )
        delivered += 1
    return delivered
