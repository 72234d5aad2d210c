"""Postponing and cancelling a noticed meeting (issue 13, point 5; APA s.80)."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
from email import policy
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.thai_dates import format_thai_date
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.notices import changes, services
from prachum.notices.models import Notice, NoticeMessage
from tests.conftest import bangkok_at
from tests.factories import MembershipFactory, UserFactory
from tests.letters.test_invitation_pdf import pdftotext

pytestmark = pytest.mark.django_db

REASON = "ประธานติดราชการด่วน"


@pytest.fixture
def noticed(ready_meeting: Meeting, secretary: Any) -> Meeting:
    services.send_notice(actor=secretary, meeting=ready_meeting)
    ready_meeting.refresh_from_db()
    return ready_meeting


def _body(message: NoticeMessage) -> str:
    parsed = email.message_from_bytes(bytes(message.raw), policy=policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _ics(message: NoticeMessage) -> bytes:
    parsed = email.message_from_bytes(bytes(message.raw), policy=policy.default)
    (ics,) = [p for p in parsed.iter_attachments() if p.get_filename().endswith("ics")]
    return ics.get_payload(decode=True)


def test_postponing_sends_a_new_notice_to_everyone_and_keeps_the_old_one(
    noticed: Meeting, secretary: Any, committee: Any, tmp_path: Path
) -> None:
    first = Notice.objects.get(meeting=noticed)
    old_start = noticed.starts_at
    new_start = bangkok_at(14, hour=13, minute=30)

    notice = changes.reschedule_meeting(
        actor=secretary,
        meeting=noticed,
        starts_at=new_start,
        ends_at=new_start + dt.timedelta(hours=2),
        reason=REASON,
    )

    meeting = Meeting.objects.get(pk=noticed.pk)
    assert (meeting.starts_at, meeting.status, meeting.number) == (
        new_start,
        MeetingStatus.NOTIFIED,
        1,
    )
    assert (notice.kind, notice.supersedes, notice.reason) == (
        "postponement",
        first,
        REASON,
    )
    assert (notice.previous_starts_at, notice.meeting_starts_at) == (
        old_start,
        new_start,
    )
    assert notice.notice_rule_code == "NOTICE_OK"
    # The first notice stays as it was sent, with its own bytes.
    kept = Notice.objects.get(pk=first.pk)
    assert kept.letter_sha256 == hashlib.sha256(bytes(kept.letter_pdf)).hexdigest()
    assert NoticeMessage.objects.filter(notice=first).count() == 9
    emails = sorted(committee.memberships.values_list("user__email", flat=True))
    sent = NoticeMessage.objects.filter(notice=notice)
    assert sorted(sent.values_list("recipient_email", flat=True)) == emails
    body = _body(sent.first())
    assert "เลื่อนการประชุม" in body
    assert format_thai_date(old_start) in body
    assert format_thai_date(new_start) in body
    assert REASON in body
    assert b"SEQUENCE:1" in _ics(sent.first())
    text = " ".join(pdftotext(bytes(notice.letter_pdf), tmp_path).split())
    assert "เลื่อนการประชุม" in text
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert kinds[-2:] == ["meeting.rescheduled", "notice.sent"]
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.payload["kind"], event.payload["supersedes"]) == (
        "postponement",
        str(first.pk),
    )
    assert check_chain(chain_key=meeting.chain_key).ok


def test_the_new_notice_reaches_the_outbox(
    noticed: Meeting,
    secretary: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    new_start = bangkok_at(15)
    with django_capture_on_commit_callbacks(execute=True):
        notice = changes.reschedule_meeting(
            actor=secretary,
            meeting=noticed,
            starts_at=new_start,
            ends_at=new_start + dt.timedelta(hours=1),
            reason=REASON,
        )
    files = {
        hashlib.sha256(f.read_bytes()).hexdigest()
        for f in Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml")
    }
    stored = set(
        NoticeMessage.objects.filter(notice=notice).values_list("sha256", flat=True)
    )
    assert len(stored) == 9
    assert stored <= files


def test_postponing_to_less_than_three_days_needs_the_chair_s_urgency(
    noticed: Meeting, secretary: Any, chair: Any
) -> None:
    soon = bangkok_at(2)
    before = (Notice.objects.count(), Meeting.objects.get(pk=noticed.pk).starts_at)

    with translation.override("en"), pytest.raises(ServiceError) as caught:
        changes.reschedule_meeting(
            actor=secretary,
            meeting=noticed,
            starts_at=soon,
            ends_at=soon + dt.timedelta(hours=2),
            reason=REASON,
        )
    assert caught.value.code == "NOTICE_TOO_SHORT"
    assert "at least 3 days" in str(caught.value.message)
    assert (
        Notice.objects.count(),
        Meeting.objects.get(pk=noticed.pk).starts_at,
    ) == before

    meeting_services.mark_urgent(
        actor=chair, meeting=noticed, reason="ต้องพิจารณาก่อนสิ้นปีงบประมาณ"
    )
    notice = changes.reschedule_meeting(
        actor=secretary,
        meeting=noticed,
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=2),
        reason=REASON,
    )
    assert notice.notice_rule_code == "NOTICE_URGENT"
    assert Meeting.objects.get(pk=noticed.pk).starts_at == soon


def test_postponing_refuses_nothing_new_and_a_draft(
    noticed: Meeting, make_meeting: Any, secretary: Any
) -> None:
    with pytest.raises(ServiceError) as caught:
        changes.reschedule_meeting(
            actor=secretary,
            meeting=noticed,
            starts_at=noticed.starts_at,
            ends_at=noticed.ends_at,
            reason=REASON,
        )
    assert caught.value.code == "NOTHING_CHANGED"
    draft = make_meeting()
    with pytest.raises(ServiceError) as caught:
        changes.reschedule_meeting(
            actor=secretary,
            meeting=draft,
            starts_at=bangkok_at(20),
            ends_at=bangkok_at(20, hour=12),
            reason=REASON,
        )
    assert caught.value.code == "NOT_NOTICED"


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_postpones_or_cancels(
    request: pytest.FixtureRequest, noticed: Meeting, who: str
) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        changes.reschedule_meeting(
            actor=actor,
            meeting=noticed,
            starts_at=bangkok_at(20),
            ends_at=bangkok_at(20, hour=12),
            reason=REASON,
        )
    with pytest.raises(PermissionDeniedError):
        changes.cancel_meeting(actor=actor, meeting=noticed, reason=REASON)
    assert Notice.objects.count() == 1


def test_cancelling_sends_the_cancellation_to_everyone_noticed(
    noticed: Meeting, secretary: Any, committee: Any
) -> None:
    first = Notice.objects.get(meeting=noticed)
    noticed_emails = sorted(
        NoticeMessage.objects.filter(notice=first).values_list(
            "recipient_email", flat=True
        )
    )
    # Someone who joined after the notice was never invited: no cancellation either.
    MembershipFactory(committee=committee, role="member", user=UserFactory())

    notice = changes.cancel_meeting(actor=secretary, meeting=noticed, reason=REASON)

    assert Meeting.objects.get(pk=noticed.pk).status == MeetingStatus.CANCELLED
    assert (notice.kind, notice.supersedes, notice.reason) == (
        "cancellation",
        first,
        REASON,
    )
    messages = NoticeMessage.objects.filter(notice=notice)
    assert sorted(m.recipient_email for m in messages) == noticed_emails
    body = _body(messages.first())
    assert "ยกเลิกการประชุม" in body
    assert REASON in body
    ics = _ics(messages.first())
    assert b"METHOD:CANCEL" in ics
    assert b"STATUS:CANCELLED" in ics
    kinds = [e.kind for e in list_events(chain_key=noticed.chain_key)]
    assert kinds[-2:] == ["meeting.cancelled", "notice.sent"]
    assert check_chain(chain_key=noticed.chain_key).ok

    with pytest.raises(ServiceError) as caught:
        changes.cancel_meeting(actor=secretary, meeting=noticed, reason=REASON)
    assert caught.value.code == "CANNOT_CANCEL"


def test_a_draft_cannot_be_cancelled(meeting: Meeting, secretary: Any) -> None:
    with pytest.raises(ServiceError) as caught:
        changes.cancel_meeting(actor=secretary, meeting=meeting, reason=REASON)
    assert caught.value.code == "CANNOT_CANCEL"
    assert Notice.objects.count() == 0
