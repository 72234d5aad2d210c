"""Contract test with a real SMTP server: the bytes stored are the bytes received."""

from __future__ import annotations

import hashlib

import pytest

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.core.signals import worker_starting
from prachum.evidence.selectors import check_chain, list_events
from prachum.notices import delivery, recovery, services
from prachum.notices.models import NoticeMessage
from prachum.notices.tasks import deliver_notice_messages
from tests.smtp import free_port, running_smtp_server

pytestmark = pytest.mark.django_db


def _kinds(meeting, kind):
    return [e for e in list_events(chain_key=meeting.chain_key) if e.kind == kind]


def _assert_received_exactly(server, stored):
    received = server.messages
    assert len(received) == len(stored)
    by_recipient = {m.rcpt_tos: m for m in received}
    assert set(by_recipient) == {(m.recipient_email,) for m in stored}
    for message in stored:
        got = by_recipient[(message.recipient_email,)]
        assert got.mail_from == message.sender == "prachum@example.go.th"
        assert hashlib.sha256(got.content).hexdigest() == message.sha256
        assert got.content == bytes(message.raw)


def test_each_participant_receives_the_stored_bytes(
    ready_meeting, secretary, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = smtp_server.url

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice = services.send_notice(actor=secretary, meeting=ready_meeting)

    assert len(callbacks) == 1
    stored = list(NoticeMessage.objects.filter(notice=notice))
    assert len(stored) == 9
    _assert_received_exactly(smtp_server, stored)
    for message in stored:
        assert (message.status, message.attempts, message.error) == ("sent", 1, "")
        assert message.delivered_at is not None
    delivered = _kinds(ready_meeting, "notice.delivered")
    assert sorted(e.payload["message_id"] for e in delivered) == sorted(
        m.message_id for m in stored
    )
    assert {e.payload["sha256"] for e in delivered} == {m.sha256 for m in stored}
    assert all(e.actor is None and e.actor_label == "system" for e in delivered)
    assert check_chain(chain_key=ready_meeting.chain_key).ok


def test_a_failed_delivery_is_recorded_and_nothing_is_lost(
    ready_meeting, secretary, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there

    with django_capture_on_commit_callbacks(execute=True):
        notice = services.send_notice(actor=secretary, meeting=ready_meeting)

    stored = list(NoticeMessage.objects.filter(notice=notice))
    assert len(stored) == 9
    for message in stored:
        assert (message.status, message.attempts) == ("failed", 1)
        assert message.error
        assert message.delivered_at is None
        assert hashlib.sha256(bytes(message.raw)).hexdigest() == message.sha256
    failed = _kinds(ready_meeting, "notice.delivery_failed")
    assert sorted(e.payload["message_id"] for e in failed) == sorted(
        m.message_id for m in stored
    )
    assert not _kinds(ready_meeting, "notice.delivered")

    # Delivering again on its own sends nothing: a failed message waits for a person.
    assert deliver_notice_messages.enqueue(str(notice.pk)).return_value == 0
    with running_smtp_server() as server:
        settings.EMAIL_URL = server.url
        # The secretary's "send again" (the button on the meeting page).
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                recovery.retry_failed_delivery(actor=secretary, meeting=ready_meeting)
                == 9
            )

    stored = list(NoticeMessage.objects.filter(notice=notice))
    _assert_received_exactly(server, stored)
    assert {(m.status, m.attempts, m.error) for m in stored} == {("sent", 2, "")}
    assert len(_kinds(ready_meeting, "notice.delivered")) == 9
    (retried,) = _kinds(ready_meeting, "notice.delivery_retried")
    assert retried.actor_id == secretary.pk
    assert sorted(retried.payload["message_ids"]) == sorted(
        m.message_id for m in stored
    )
    assert check_chain(chain_key=ready_meeting.chain_key).ok


def test_delivering_again_sends_nothing_twice(
    ready_meeting, secretary, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = smtp_server.url
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.send_notice(actor=secretary, meeting=ready_meeting)

    assert delivery.deliver_notice(notice_id=str(notice.pk)) == 0
    assert len(smtp_server.messages) == 9
    assert len(_kinds(ready_meeting, "notice.delivered")) == 9


def test_only_the_secretariat_sends_a_failed_notice_again(
    ready_meeting, secretary, members, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    with django_capture_on_commit_callbacks(execute=True):
        services.send_notice(actor=secretary, meeting=ready_meeting)

    with pytest.raises(PermissionDeniedError):
        recovery.retry_failed_delivery(actor=members[0], meeting=ready_meeting)
    assert not _kinds(ready_meeting, "notice.delivery_retried")
    assert NoticeMessage.objects.filter(status="failed").count() == 9


def test_nothing_failed_nothing_to_send_again(
    ready_meeting, secretary, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_URL = smtp_server.url
    with django_capture_on_commit_callbacks(execute=True):
        services.send_notice(actor=secretary, meeting=ready_meeting)

    with pytest.raises(ServiceError) as refused:
        recovery.retry_failed_delivery(actor=secretary, meeting=ready_meeting)
    assert refused.value.code == "NOTHING_TO_RETRY"


def test_a_starting_worker_fails_the_half_sent_and_sends_the_rest(
    ready_meeting, secretary, settings, smtp_server, django_capture_on_commit_callbacks
):
    """As a worker killed mid-notice leaves it: one message claimed, the rest waiting."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    half_sent = NoticeMessage.objects.filter(notice=notice).order_by("message_id")[0]
    NoticeMessage.objects.filter(pk=half_sent.pk).update(status="sending", attempts=1)

    settings.EMAIL_URL = smtp_server.url
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    worker_starting.send(sender=None)  # what ``manage.py worker`` does first

    half_sent.refresh_from_db()
    assert half_sent.status == "failed"
    assert "ขัดจังหวะ" in half_sent.error
    (failed,) = _kinds(ready_meeting, "notice.delivery_failed")
    assert failed.payload == {
        "message_id": half_sent.message_id,
        "error": failed.payload["error"],
        "interrupted": True,
    }
    sent = [m.message_id for m in NoticeMessage.objects.filter(status="sent")]
    assert len(sent) == 8
    assert half_sent.message_id not in sent
    assert len(smtp_server.messages) == 8
