"""Background delivery of notice e-mails (run by the worker)."""

from __future__ import annotations

from django_tasks import task

from prachum.notices.delivery import deliver_notice


@task()
def deliver_notice_messages(notice_id: str) -> int:
    return deliver_notice(notice_id=notice_id)
