from __future__ import annotations

import datetime as dt
import email
import hashlib
from email import policy
from pathlib import Path

import pytest
import time_machine
from django.utils import translation

from prachum.committees.models import Agency
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus
from prachum.notices import services
from prachum.notices.models import Notice, NoticeMessage

pytestmark = pytest.mark.django_db


def _snapshot(meeting):
    """Everything a refused notice must leave untouched."""
    agency = Agency.objects.get(pk=meeting.committee.agency_id)
    return (
        Notice.objects.count(),
        NoticeMessage.objects.count(),
        EvidenceEvent.objects.count(),
        agency.next_letter_number,
        Meeting.objects.get(pk=meeting.pk).status,
    )


def _parts(raw: bytes):
    message = email.message_from_bytes(raw, policy=policy.default)
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    return message, attachments


def test_a_notice_ten_days_ahead_goes_to_every_member(
    ready_meeting, committee, secretary
):
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)

    notice = Notice.objects.get(pk=notice.pk)
    assert notice.letter_number == "มท 0210.5/41"
    assert Agency.objects.get(pk=committee.agency_id).next_letter_number == 42
    assert (notice.sent_by, notice.notice_rule_code) == (secretary, "NOTICE_OK")
    pdf, ics = bytes(notice.letter_pdf), bytes(notice.ics)
    assert pdf.startswith(b"%PDF-")
    assert notice.letter_sha256 == hashlib.sha256(pdf).hexdigest()
    assert notice.ics_sha256 == hashlib.sha256(ics).hexdigest()

    messages = list(
        NoticeMessage.objects.filter(notice=notice).select_related("recipient")
    )
    member_emails = sorted(committee.memberships.values_list("user__email", flat=True))
    assert len(member_emails) == 9
    assert sorted(m.recipient_email for m in messages) == member_emails
    assert len({m.message_id for m in messages}) == 9
    for stored in messages:
        raw = bytes(stored.raw)
        assert stored.sha256 == hashlib.sha256(raw).hexdigest()
        assert stored.status == NoticeMessage.Status.QUEUED  # delivery runs on commit
        assert stored.recipient.email == stored.recipient_email
        assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only, as SMTP carries it
        message, attachments = _parts(raw)
        assert message["To"] == stored.recipient_email
        assert message["From"] == "prachum@example.go.th"
        assert message["Message-ID"].strip() == stored.message_id  # may be folded
        assert set(attachments) == {
            "invitation-letter.pdf",
            "invitation.ics",
            "enclosure-1-agenda.pdf",  # the agenda, สิ่งที่ส่งมาด้วย 1 (R63)
        }
        letter = attachments["invitation-letter.pdf"]
        assert letter.get_content_type() == "application/pdf"
        # Members get the file copy; the non-voting secretary a copy addressed by name.
        voting = stored.recipient.username != "secretary"
        assert (letter.get_content() == pdf) is voting
        calendar = attachments["invitation.ics"]
        assert calendar.get_content_type() == "text/calendar"
        assert calendar.get_param("method") == "REQUEST"
        assert calendar.get_content_charset() == "utf-8"
        # A repeated parameter (charset named twice) confuses some mail clients.
        raw_type = dict(calendar.raw_items())["Content-Type"]
        assert raw_type.lower().count("charset=") == 1, raw_type
        ics_text = calendar.get_payload(decode=True)
        assert ics_text.replace(b"\r\n", b"\n") == ics.replace(b"\r\n", b"\n")
        assert b"BEGIN:VCALENDAR" in ics_text
        assert stored.recipient_email.encode() in ics_text.replace(b"\r\n ", b"")
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert body.startswith(f"เรียน {stored.recipient.display_name}")

    assert Meeting.objects.get(pk=ready_meeting.pk).status == MeetingStatus.NOTIFIED
    sent = [
        e
        for e in list_events(chain_key=ready_meeting.chain_key)
        if e.kind == "notice.sent"
    ]
    assert len(sent) == 1
    payload = sent[0].payload
    assert sent[0].actor == secretary
    assert (payload["notice"], payload["letter_number"]) == (
        str(notice.pk),
        "มท 0210.5/41",
    )
    assert (payload["letter_sha256"], payload["ics_sha256"]) == (
        notice.letter_sha256,
        notice.ics_sha256,
    )
    assert (payload["rule"], payload["days_before"]) == ("NOTICE_OK", 10)
    assert sorted(
        (
            {k: m[k] for k in ("to", "message_id", "sha256")}
            for m in payload["messages"]
        ),
        key=lambda m: m["message_id"],
    ) == sorted(
        (
            {"to": m.recipient_email, "message_id": m.message_id, "sha256": m.sha256}
            for m in messages
        ),
        key=lambda m: m["message_id"],
    )
    assert check_chain(chain_key=ready_meeting.chain_key).ok


def test_without_a_mail_server_the_exact_bytes_land_in_the_outbox(
    ready_meeting, secretary, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.send_notice(actor=secretary, meeting=ready_meeting)

    files = sorted(Path(settings.EMAIL_OUTBOX_DIR).glob("*.eml"))
    stored = NoticeMessage.objects.filter(notice=notice)
    assert sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in files) == sorted(
        m.sha256 for m in stored
    )
    assert set(stored.values_list("status", flat=True)) == {"sent"}


def test_a_notice_two_days_ahead_without_urgency_is_refused(
    make_meeting, chair, secretary
):
    meeting = make_meeting(days_ahead=2)
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    before = _snapshot(meeting)

    messages = {}
    for language in ("th", "en"):
        with translation.override(language), pytest.raises(ServiceError) as excinfo:
            services.send_notice(actor=secretary, meeting=meeting)
        assert excinfo.value.code == "NOTICE_TOO_SHORT"
        messages[language] = str(excinfo.value.message)

    assert messages["th"].strip()
    assert messages["en"].strip()
    assert messages["th"] != messages["en"]
    assert "at least 3 days" in messages["en"]
    assert "Only 2 days" in messages["en"]
    assert _snapshot(meeting) == before


def test_the_chair_s_urgent_reason_allows_a_short_notice(
    make_meeting, chair, secretary
):
    meeting = make_meeting(days_ahead=2)
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    meeting_services.mark_urgent(
        actor=chair, meeting=meeting, reason="ต้องอนุมัติงบประมาณก่อนสิ้นเดือน"
    )

    notice = services.send_notice(actor=secretary, meeting=meeting)

    assert notice.notice_rule_code == "NOTICE_URGENT"
    assert NoticeMessage.objects.filter(notice=notice).count() == 9
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.payload["rule"], event.payload["days_before"]) == (
        "notice.sent",
        "NOTICE_URGENT",
        2,
    )
    raw = bytes(NoticeMessage.objects.filter(notice=notice).first().raw)
    body = _parts(raw)[0].get_body(preferencelist=("plain",)).get_content()
    assert "ต้องอนุมัติงบประมาณก่อนสิ้นเดือน" in body


def test_no_notice_after_the_meeting_time(make_meeting, chair, secretary):
    meeting = make_meeting(days_ahead=1)
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    before = _snapshot(meeting)

    late = meeting.starts_at + dt.timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(ServiceError) as excinfo:
        services.send_notice(actor=secretary, meeting=meeting)

    assert excinfo.value.code == "NOTICE_AFTER_MEETING"
    assert _snapshot(meeting) == before


def test_an_electronic_meeting_needs_the_chair_s_decision(meeting, secretary):
    before = _snapshot(meeting)
    with pytest.raises(ServiceError) as excinfo:
        services.send_notice(actor=secretary, meeting=meeting)
    assert excinfo.value.code == "NO_CHAIR_DECISION"
    assert _snapshot(meeting) == before


def test_a_meeting_in_the_room_needs_no_chair_decision(make_meeting, secretary):
    in_room = make_meeting(mode=MeetingMode.IN_ROOM, venue="ห้องประชุม 1")
    notice = services.send_notice(actor=secretary, meeting=in_room)
    assert NoticeMessage.objects.filter(notice=notice).count() == 9


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_sends_the_notice(request, ready_meeting, who):
    before = _snapshot(ready_meeting)
    with pytest.raises(PermissionDeniedError):
        services.send_notice(actor=request.getfixturevalue(who), meeting=ready_meeting)
    assert _snapshot(ready_meeting) == before


def test_no_notice_once_the_meeting_has_opened(ready_meeting, secretary):
    Meeting.objects.filter(pk=ready_meeting.pk).update(status=MeetingStatus.OPEN)
    before = _snapshot(ready_meeting)
    with pytest.raises(ServiceError) as excinfo:
        services.send_notice(actor=secretary, meeting=ready_meeting)
    assert excinfo.value.code == "MEETING_NOT_EDITABLE"
    assert _snapshot(ready_meeting) == before


def test_a_second_notice_takes_the_next_letter_number(ready_meeting, secretary):
    first = services.send_notice(actor=secretary, meeting=ready_meeting)
    second = services.send_notice(actor=secretary, meeting=ready_meeting)

    assert (first.letter_number, second.letter_number) == (
        "มท 0210.5/41",
        "มท 0210.5/42",
    )
    assert b"SEQUENCE:1" in bytes(second.ics)
    assert NoticeMessage.objects.count() == 18
    kinds = [e.kind for e in list_events(chain_key=ready_meeting.chain_key)]
    assert kinds.count("notice.sent") == 2
