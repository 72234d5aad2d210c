"""The mail worker is killed while it sends a notice (issue 15 point 10).

A real SMTP server (aiosmtpd) holds the third message in the middle of its DATA; the
worker (``manage.py worker``, a real process) is killed with ``kill -9`` right then.
Started again, the worker sends the messages nobody had sent, and marks the one that
was in flight failed — the server may or may not have taken it, so it is not sent a
second time by itself. The secretary presses "send again" on the meeting page and it
goes, the same stored bytes and Message-ID. In the end every person got the notice
exactly once.
"""

from __future__ import annotations

import asyncio
import email
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from prachum.evidence.selectors import list_events
from prachum.notices import services as notice_services
from prachum.notices.models import NoticeMessage
from tests.faults.processes import Managed, worker_process
from tests.smtp import RecordingHandler, running_smtp_server

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

HELD = 3  # the message the server holds when the worker dies


@dataclass
class HoldingHandler(RecordingHandler):
    """Records every message but the ``HELD``-th, which it keeps waiting (never 250)."""

    seen: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.seen += 1
            number = self.seen
        if number == HELD:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def _message_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw)["Message-ID"]).strip()


def _wait(predicate: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


def test_mail_worker_killed_while_sending_a_notice(
    tmp_path: Path,
    settings: Any,
    meeting: Any,
    chair: Any,
    secretary: Any,
    processes: list[Managed],
    client_for: Callable[..., Client],
) -> None:
    # The notice is queued in the database for the worker, as in production.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    handler = HoldingHandler()
    with running_smtp_server(handler) as server:
        worker = worker_process(tmp_path, EMAIL_URL=server.url, DEMO_MODE="false")
        processes.append(worker)
        worker.spawn()
        from prachum.meetings import services as meeting_services

        meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
        notice = notice_services.send_notice(actor=secretary, meeting=meeting)
        stored = {m.message_id: m for m in NoticeMessage.objects.filter(notice=notice)}
        assert len(stored) > HELD + 1

        assert handler.held.wait(60), "the worker never reached the third message"
        worker.kill9()
        handler.release.set()
        delivered_before = {_message_id(m.content) for m in server.messages}
        assert len(delivered_before) == HELD - 1

        worker.spawn()  # started again: recovers, then sends what is left
        failed_rows = NoticeMessage.objects.filter(
            notice=notice, status=NoticeMessage.Status.FAILED
        )
        _wait(failed_rows.exists, seconds=60, what="the message in flight marked")
        in_flight = failed_rows.get()

        def settled() -> bool:
            return not NoticeMessage.objects.filter(
                notice=notice,
                status__in=(NoticeMessage.Status.QUEUED, NoticeMessage.Status.SENDING),
            ).exists()

        _wait(settled, seconds=60, what="the restarted worker finished the notice")
        assert [m.message_id for m in failed_rows] == [in_flight.message_id]
        assert _message_id(bytes(in_flight.raw)) not in {
            _message_id(m.content) for m in server.messages
        }, "the message in flight was sent again without anyone asking"
        assert "ขัดจังหวะ" in in_flight.error, in_flight.error  # in Thai, for the page

        # The secretary sees it on the meeting page and sends it again.
        browser = client_for(secretary)
        page = browser.get(f"/meetings/{meeting.pk}/")
        assert 'id="retry-notice"' in page.content.decode()
        answer = browser.post(f"/meetings/{meeting.pk}/notice/retry/")
        assert answer.status_code == 302
        _wait(
            lambda: (
                NoticeMessage.objects.filter(
                    notice=notice, status=NoticeMessage.Status.SENT
                ).count()
                == len(stored)
            ),
            seconds=60,
            what="the message sent again",
        )

    # Exactly once each: the server got every stored message once, byte for byte.
    received = [(_message_id(m.content), m.content) for m in server.messages]
    ids = [message_id for message_id, _ in received]
    assert sorted(ids) == sorted(stored), (len(ids), len(stored))
    for message_id, content in received:
        assert content.replace(b"\r\n", b"\n") == bytes(stored[message_id].raw).replace(
            b"\r\n", b"\n"
        )
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert kinds.count("notice.delivered") == len(stored)
    assert kinds.count("notice.delivery_failed") == 1
    assert kinds.count("notice.delivery_retried") == 1
