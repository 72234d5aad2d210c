"""Handing a notice's stored e-mails to the mail server (run by the worker; R10).

:func:`prachum.notices.services.send_notice` stored the exact bytes of every e-mail;
these same bytes are sent, and each outcome is recorded in the meeting's evidence
chain (ADR 0006).

Each message is sent at most once without a person's say (issue 15 point 10): it is
claimed (``queued`` → ``sending``, committed) before it goes to the mail server and
marked ``sent`` or ``failed`` after. A worker killed in between leaves it ``sending``:
whether the server took it is unknown, so the next worker start marks it failed
(:func:`prachum.notices.recovery.recover_interrupted_deliveries`) and the secretary sends it again with the
button on the meeting page (:func:`prachum.notices.services.retry_failed_delivery`),
the same bytes and Message-ID.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from prachum.core.mail import deliver_raw
from prachum.evidence.services import append_event
from prachum.notices.events import NoticeEvent
from prachum.notices.models import NoticeMessage

logger = logging.getLogger(__name__)

Status = NoticeMessage.Status


def deliver_notice(*, notice_id: str) -> int:
    """Hand each waiting message, byte for byte, to the mail server; record the outcome."""
    delivered = 0
    waiting = NoticeMessage.objects.filter(notice_id=notice_id, status=Status.QUEUED)
    for message in waiting.select_related("notice__meeting"):
        claimed = NoticeMessage.objects.filter(
            pk=message.pk, status=Status.QUEUED
        ).update(status=Status.SENDING, attempts=F("attempts") + 1)
        if not claimed:
            continue  # another worker has it
        try:
            deliver_raw(
                sender=message.sender,
                recipients=[message.recipient_email],
                raw=bytes(message.raw),
            )
        except Exception as exc:
            logger.warning("notice delivery failed for %s: %s", message.message_id, exc)
            mark_failed(message, str(exc))
            continue
        with transaction.atomic():
            NoticeMessage.objects.filter(pk=message.pk).update(
                status=Status.SENT, delivered_at=timezone.now(), error=""
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


def mark_failed(message: NoticeMessage, error: str, **extra: Any) -> None:
    with transaction.atomic():
        NoticeMessage.objects.filter(pk=message.pk).update(
            status=Status.FAILED, error=error[:2000]
        )
        append_event(
            chain_key=message.notice.meeting.chain_key,
            kind=NoticeEvent.NOTICE_DELIVERY_FAILED,
            actor=None,
            payload={"message_id": message.message_id, "error": error[:500], **extra},
        )
