"""Reading notices for the UI: how each one was delivered, and the outbox folder
(offline mail)."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet

from prachum.committees.models import SECRETARIAT_ROLES
from prachum.core.mail import outbox_dir
from prachum.meetings.models import MEETING_OVER, Meeting
from prachum.notices.models import Notice, NoticeMessage

MAX_LISTED = 200


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    subject: str
    to: str
    date: str
    attachments: tuple[str, ...]
    text: str

    @property
    def sent_at(self) -> datetime | None:
        """The Date header as a datetime (shown in Thai by the template), if it parses."""
        try:
            parsed = parsedate_to_datetime(self.date)
        except (TypeError, ValueError):
            return None
        # "-0000" (RFC 5322 s.3.3: UTC, local zone unknown) parses as a naive time.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse(path: Path) -> OutboxMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",)) if hasattr(msg, "get_body") else None
    attachments = tuple(part.get_filename() or "" for part in msg.iter_attachments())
    return OutboxMessage(
        name=path.name,
        subject=str(msg.get("Subject", "")),
        to=str(msg.get("To", "")),
        date=str(msg.get("Date", "")),
        attachments=attachments,
        text=body.get_content() if body is not None else "",
    )


def list_outbox(*, to: str | None = None) -> list[OutboxMessage]:
    paths = sorted(outbox_dir().glob("*.eml"), reverse=True)[:MAX_LISTED]
    messages = [_parse(p) for p in paths]
    if to is not None:
        messages = [m for m in messages if to.lower() in m.to.lower()]
    return messages


def get_outbox_message(*, name: str) -> OutboxMessage | None:
    path = outbox_dir() / Path(name).name
    if path.suffix != ".eml" or not path.is_file():
        return None
    return _parse(path)


# --- delivery of a meeting's notices (the meeting's file; the secretary's tasks) -----


@dataclass(frozen=True)
class DeliverySummary:
    """The latest notice of a meeting and how its messages fared, person by person."""

    notice: Notice
    delivered: int
    queued: int
    failed: int

    @property
    def total(self) -> int:
        return self.delivered + self.queued + self.failed


def latest_notice(*, meeting: Meeting) -> Notice | None:
    return Notice.objects.filter(meeting=meeting).order_by("-sent_at").first()


def delivery_summary(*, meeting: Meeting) -> DeliverySummary | None:
    """Counts of the latest notice's messages by outcome (None: no notice sent)."""
    notice = latest_notice(meeting=meeting)
    if notice is None:
        return None
    status = NoticeMessage.Status
    counts = NoticeMessage.objects.filter(notice=notice).aggregate(
        delivered=Count("pk", filter=Q(status=status.SENT)),
        queued=Count("pk", filter=Q(status__in=(status.QUEUED, status.SENDING))),
        failed=Count("pk", filter=Q(status=status.FAILED)),
    )
    return DeliverySummary(notice=notice, **counts)


def failed_message_count(*, meeting: Meeting) -> int:
    """Messages of any of the meeting's notices that failed (to be sent again)."""
    return NoticeMessage.objects.filter(
        notice__meeting=meeting, status=NoticeMessage.Status.FAILED
    ).count()


def failed_deliveries_for(*, user: Any) -> QuerySet[Meeting]:
    """Meetings not yet over, kept by ``user`` as secretariat, with a notice message
    the mail server refused (annotated ``failed_count``)."""
    return (
        Meeting.objects.filter(
            committee__memberships__user=user,
            committee__memberships__role__in=SECRETARIAT_ROLES,
        )
        .exclude(status__in=MEETING_OVER)
        .annotate(
            failed_count=Count(
                "notices__messages",
                filter=Q(notices__messages__status=NoticeMessage.Status.FAILED),
                distinct=True,
            )
        )
        .filter(failed_count__gt=0)
        .select_related("committee")
        .order_by("starts_at")
    )
