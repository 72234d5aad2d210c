"""Mail that did not go: what a starting worker finishes of a killed worker's sending,
and the secretary's "send again" for messages that failed.

See :mod:`prachum.notices.delivery` for why a half-sent message is marked failed, not
sent again by itself (issue 15 point 10).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.core.signals import worker_starting
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.notices.delivery import Status, mark_failed
from prachum.notices.error_codes import NoticeError
from prachum.notices.events import NoticeEvent
from prachum.notices.models import NoticeMessage
from prachum.notices.services import lock_for_notice
from prachum.notices.tasks import deliver_notice_messages


@receiver(worker_starting)
def _on_worker_starting(sender: Any, **kwargs: Any) -> None:
    recover_interrupted_deliveries()


def recover_interrupted_deliveries() -> tuple[int, int]:
    """At worker start: fail what a killed worker left half-sent, queue the rest again.

    Returns (messages marked failed, notices queued again). Run by one worker at a
    time (``manage.py worker``); a message another live worker is sending right now
    would be marked failed too, so deployments run one worker (README).
    """
    interrupted = NoticeMessage.objects.filter(status=Status.SENDING).select_related(
        "notice__meeting"
    )
    failed = 0
    for message in interrupted:
        mark_failed(
            message,
            _(
                "Sending was interrupted (the worker stopped); the mail server may "
                "or may not have received it. Send it again if needed."
            ),
            interrupted=True,
        )
        failed += 1
    notices = sorted(
        {
            str(notice_id)
            for notice_id in NoticeMessage.objects.filter(
                status=Status.QUEUED
            ).values_list("notice_id", flat=True)
        }
    )
    for notice_id in notices:
        deliver_notice_messages.enqueue(notice_id)
    return failed, len(notices)


def retry_failed_delivery(*, actor: Actor, meeting: Meeting) -> int:
    """The secretary sends again every message of the meeting's notices that failed.

    The same stored bytes and Message-ID go out (ADR 0006); the act is in the
    meeting's chain with who asked. Returns how many messages were queued again.
    """
    with transaction.atomic():
        meeting = lock_for_notice(actor=actor, meeting=meeting)
        failed = list(
            NoticeMessage.objects.select_for_update()
            .filter(notice__meeting=meeting, status=Status.FAILED)
            .order_by("message_id")
        )
        if not failed:
            raise ServiceError(
                NoticeError.NOTHING_TO_RETRY,
                _("No message of this meeting's notices is waiting to be sent again."),
            )
        NoticeMessage.objects.filter(pk__in=[m.pk for m in failed]).update(
            status=Status.QUEUED, error=""
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=NoticeEvent.NOTICE_DELIVERY_RETRIED,
            actor=actor,
            payload={"message_ids": [m.message_id for m in failed]},
        )
        for notice_id in sorted({str(m.notice_id) for m in failed}):
            transaction.on_commit(partial(deliver_notice_messages.enqueue, notice_id))
    return len(failed)
