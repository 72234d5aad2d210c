"""Sending the written notice of a meeting (APA s.80, Decree s.8, R9-R12, R17, R63-R68).

The exact bytes of every e-mail (with the letter PDF and the .ics inside) are stored
with their SHA-256 and recorded in the meeting's evidence chain in the same transaction;
the worker then hands those same bytes to the mail server.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from prachum.attendance.sip_access import dial_in_paragraph
from prachum.committees.models import Agency
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.mail import serialize_message
from prachum.domain.notice import NoticeDecision, NoticeRule, check_notice
from prachum.domain.thai_dates import (
    format_thai_date,
    format_thai_time,
    letter_number,
    meeting_number,
    official_digits,
)
from prachum.evidence.pdf_signing import sign_pdf
from prachum.evidence.services import append_event
from prachum.letters.ics import render_invitation_ics
from prachum.letters.invitation import (
    InvitationLetter,
    render_invitation_pdf,
    with_official_digits,
)
from prachum.meetings import policies
from prachum.meetings.life import give_number
from prachum.meetings.models import Meeting, MeetingMode
from prachum.notices.addressing import (
    AGENDA_ENCLOSURE,
    AGENDA_FILENAME,
    Signer,
    enclosure_documents,
    members_title,
    render_agenda,
    resolve_signer,
    salutations,
)
from prachum.notices.error_codes import NoticeError
from prachum.notices.events import NoticeEvent
from prachum.notices.models import Notice, NoticeKind, NoticeMessage, Signatory
from prachum.notices.tasks import deliver_notice_messages
from prachum.room.lifecycle import require_transition, transition

LETTER_FILENAME = "invitation-letter.pdf"
PDF = "application/pdf"
ICS_FILENAME = "invitation.ics"


def place_text(meeting: Meeting) -> str:
    """ "ณ" in the letter and the minutes: the room and/or electronic media (R50)."""
    electronic = f"ผ่านสื่ออิเล็กทรอนิกส์ ({meeting.committee.meeting_platform})"
    if meeting.mode == MeetingMode.ELECTRONIC:
        return electronic
    if meeting.mode == MeetingMode.HYBRID:
        return f"{meeting.venue} และ{electronic}"
    return meeting.venue


def _adjourned_paragraph(adjourned: Meeting, digits: bool) -> str:
    """APA s.79 para 2: the notice of a follow-up says it follows an adjourned meeting."""
    number = (
        " ครั้งที่ "
        + meeting_number(adjourned.number, adjourned.buddhist_year, thai_digits=digits)
        if adjourned.number is not None
        else ""
    )
    when = format_thai_date(adjourned.held_at, thai_digits=digits)
    return (
        f"การประชุมครั้งนี้เป็นการประชุมในเรื่องที่ค้างจากการประชุม{number} เมื่อวันที่ {when} "
        "ซึ่งไม่ครบองค์ประชุม ตามมาตรา ๗๙ วรรคสอง แห่งพระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง "
        "พ.ศ. ๒๕๓๙"
    )


def build_letter(
    *, meeting: Meeting, number: str, signer: Signer, sent_on: Any
) -> InvitationLetter:
    """The invitation letter's content, in the Saraban external-letter form (R63)."""
    committee = meeting.committee
    agency = committee.agency
    digits = agency.thai_digits  # R67: the agency's choice; URLs and e-mail stay Arabic
    when = format_thai_date(
        timezone.localtime(meeting.starts_at).date(), thai_digits=digits
    )
    starts = format_thai_time(meeting.starts_at, thai_digits=digits)
    ends = format_thai_time(meeting.ends_at, thai_digits=digits)
    assert meeting.number is not None, "numbered by the first notice"
    ordinal = meeting_number(meeting.number, meeting.buddhist_year, thai_digits=digits)
    title = meeting.title.removeprefix("การประชุม")  # "ขอเชิญประชุม" says it already
    room_url = settings.SITE_URL.rstrip("/") + reverse(
        "meetings:detail", args=[meeting.pk]
    )
    body = [
        (
            f"ด้วย{committee.name} กำหนดการประชุม{title} ครั้งที่ {ordinal} "
            f"ในวันที่ {when} เวลา {starts} ถึง {ends} ณ {place_text(meeting)}"
        ),
    ]
    if meeting.is_electronic:
        body.append(
            "การเข้าร่วมประชุม: เข้าสู่ระบบประชุม " + room_url + " ด้วยชื่อผู้ใช้และรหัสผ่าน "
            "การแสดงตน: ยืนยันตัวตนด้วยรหัสผ่านและรหัสครั้งเดียว (แอปยืนยันตัวตนหรือรหัสทางอีเมล) "
            "ก่อนเข้าห้องประชุม ตามพระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. ๒๕๖๓ มาตรา ๙"
        )
        fallback = committee.fallback_channel.strip() or agency.phone
        body.append(f"ช่องทางสำรองหากระบบขัดข้อง: {fallback}")
    if meeting.adjourned_from is not None:
        body.append(_adjourned_paragraph(meeting.adjourned_from, digits))
    if meeting.urgent_reason:
        body.append(f"การประชุมครั้งนี้เป็นการเรียกประชุมด่วน เนื่องจาก {meeting.urgent_reason}")
    body.append("จึงเรียนมาเพื่อโปรดเข้าร่วมประชุมตามวัน เวลา และช่องทางดังกล่าว")
    # R63: the agenda is enclosure 1, then the documents marked to go with the notice;
    # issue_notice attaches exactly these, in this order.
    enclosures = [AGENDA_ENCLOSURE, *(d.title for d in enclosure_documents(meeting))]
    return InvitationLetter(
        letter_number=number,
        agency_name=agency.name,
        agency_address=agency.address,
        letter_date_text=format_thai_date(sent_on, thai_digits=digits),
        subject=f"ขอเชิญประชุม{title} ครั้งที่ {ordinal}",
        addressee=members_title(committee),  # each recipient's copy: issue_notice
        body_paragraphs=tuple(body),
        enclosures=tuple(enclosures),
        signer_name=signer.name,
        signer_position=signer.position,
        contact_unit=agency.name,
        contact_phone=agency.phone,
        contact_email=agency.email or settings.DEFAULT_FROM_EMAIL,
        urgency="ด่วนที่สุด" if meeting.urgent_reason else None,
        garuda=bytes(agency.garuda or b""),
        thai_digits=digits,
    )


def _recipients(meeting: Meeting) -> list[Any]:
    """Everyone on the roster, and anyone noticed before who has since left it."""
    users = [
        m.user
        for m in meeting.committee.memberships.select_related("user").order_by(
            "position_order", "user__full_name"
        )
    ]
    return users + [u for u in noticed_users(meeting) if u not in users]


def noticed_users(meeting: Meeting) -> list[Any]:
    """Everyone a notice of ``meeting`` was addressed to, in the order first noticed."""
    seen: dict[Any, Any] = {}
    for message in (
        NoticeMessage.objects.filter(notice__meeting=meeting)
        .select_related("recipient")
        .order_by("notice__sent_at", "pk")
    ):
        seen.setdefault(message.recipient_id, message.recipient)
    return list(seen.values())


def lock_for_notice(*, actor: Actor, meeting: Meeting) -> Meeting:
    """The meeting, locked, if ``actor`` is its secretariat (who sends every notice)."""
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("committee__agency")
        .get(pk=meeting.pk)
    )
    if not policies.can_prepare_meeting(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may send the notice."),
        )
    return meeting


def check_notice_period(*, meeting: Meeting, now: datetime) -> NoticeDecision:
    """APA s.80 for ``meeting.starts_at``: the decision, or a refusal that says why."""
    if meeting.starts_at <= now:
        # check_notice refuses a meeting in the past with a domain error; say so
        # to the secretary instead of failing.
        raise ServiceError(
            NoticeError.NOTICE_AFTER_MEETING,
            _("The meeting time has passed: a notice can no longer be sent."),
        )
    decision = check_notice(
        meeting_at=meeting.starts_at,
        sent_at=now,
        rule=NoticeRule(min_days=meeting.committee.notice_min_days),
        urgent_reason=meeting.urgent_reason or None,
        informed_at_previous_meeting=meeting.informed_at_previous_meeting,
    )
    if not decision.ok:
        raise ServiceError(
            NoticeError(decision.code),
            _(
                "The notice must reach members at least %(days)d days before the meeting "
                "(Administrative Procedure Act section 80). Only %(left)d days are left: the "
                "chair may convene urgently and record the reason."
            )
            % {
                "days": meeting.committee.notice_min_days,
                "left": max(decision.days_before, 0),
            },
        )
    return decision


def send_notice(
    *,
    actor: Actor,
    meeting: Meeting,
    signatory: str = Signatory.SECRETARY_FOR_CHAIR,
) -> Notice:
    """Record and queue the notice to every participant; refuse a notice that is too late.

    APA s.80: at least 3 days' written notice (per-body override) unless the chair
    convened urgently with a reason or members were told at the previous meeting.
    The first notice gives the meeting its number (R53, ADR 0015).
    """
    now = timezone.now()
    with transaction.atomic():
        meeting = lock_for_notice(actor=actor, meeting=meeting)
        require_transition(meeting, "notify")
        if meeting.starts_at > now and (
            meeting.is_electronic and meeting.electronic_decided_at is None
        ):
            raise ServiceError(
                NoticeError.NO_CHAIR_DECISION,
                _(
                    "The chair must first decide to hold the meeting electronically (Decree section 6)."
                ),
            )
        decision = check_notice_period(meeting=meeting, now=now)
        signer = resolve_signer(meeting=meeting, choice=signatory, sender=actor)
        give_number(meeting)
        notice = issue_notice(
            actor=actor,
            meeting=meeting,
            decision=decision,
            now=now,
            signer=signer,
            build=lambda number: build_letter(
                meeting=meeting, number=number, signer=signer, sent_on=now
            ),
        )
        transition(meeting, "notify")
    return notice


def issue_notice(
    *,
    actor: Actor,
    meeting: Meeting,
    decision: NoticeDecision | None,
    now: datetime,
    build: Callable[[str], InvitationLetter],
    signer: Signer,
    kind: str = NoticeKind.INVITATION,
    recipients: list[Any] | None = None,
    supersedes: Notice | None = None,
    reason: str = "",
    previous_starts_at: datetime | None = None,
) -> Notice:
    """Number, render, store and queue one letter about ``meeting`` (locked by the
    caller) to ``recipients`` (default: everyone, see :func:`_recipients`), with its
    evidence event, in the caller's transaction. ``build(letter_number)`` writes it;
    each recipient gets a copy addressed to them, with the enclosures attached."""
    recipients = _recipients(meeting) if recipients is None else recipients
    if not recipients:
        raise ServiceError(
            NoticeError.NO_RECIPIENTS, _("The committee has no members to notify.")
        )
    agency = Agency.objects.select_for_update().get(pk=meeting.committee.agency_id)
    number = letter_number(
        agency.letter_code,
        agency.next_letter_number,
        thai_digits=agency.thai_digits,
    )
    Agency.objects.filter(pk=agency.pk).update(
        next_letter_number=agency.next_letter_number + 1
    )
    with translation.override("th"):
        letter = with_official_digits(build(number))  # the mail's text too (R67)
        # The file copy (สำเนาคู่ฉบับ) is addressed to the members; each recipient's
        # copy differs only in its "เรียน" line (one rendering per distinct line).
        # Each copy is signed by the agency (PAdES, ADR 0022): the signed bytes are
        # what is stored, sent and packaged (ADR 0006).
        signed_as = _("Invitation letter %(number)s") % {"number": number}
        pdf = sign_pdf(render_invitation_pdf(letter), reason=signed_as)
        addressed = salutations(committee=meeting.committee, users=recipients)
        copies = {letter.addressee: pdf}
        for line in dict.fromkeys(addressed.values()):
            if line not in copies:
                copies[line] = sign_pdf(
                    render_invitation_pdf(dataclasses.replace(letter, addressee=line)),
                    reason=signed_as,
                )
        attachments = _enclosure_files(meeting, letter)
        ics = render_invitation_ics(
            uid=f"{meeting.pk}@prachum",
            summary=letter.subject,
            description="\n".join(letter.body_paragraphs),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=place_text(meeting),
            organizer_email=settings.DEFAULT_FROM_EMAIL,
            organizer_name=actor.display_name,
            attendees=[(u.email, u.display_name) for u in recipients],
            url=settings.SITE_URL,
            sequence=meeting.notices.count(),
            dtstamp=now,
            cancelled=kind == NoticeKind.CANCELLATION,
        )
    rule = decision.code if decision is not None else "NOT_APPLICABLE"
    notice = Notice.objects.create(
        meeting=meeting,
        letter_number=number,
        letter_pdf=pdf,
        letter_sha256=hashlib.sha256(pdf).hexdigest(),
        ics=ics,
        ics_sha256=hashlib.sha256(ics).hexdigest(),
        sent_by=actor,
        sent_at=now,
        notice_rule_code=rule,
        kind=kind,
        supersedes=supersedes,
        reason=reason,
        meeting_starts_at=meeting.starts_at,
        previous_starts_at=previous_starts_at,
        signatory=signer.choice,
    )
    positions = dict(
        meeting.committee.memberships.values_list("user_id", "position_title")
    )
    messages = [
        _build_message(
            notice=notice,
            meeting=meeting,
            letter=letter,
            user=u,
            position=positions.get(u.pk, ""),
            now=now,
            letter_pdf=copies[addressed[u.pk]],
            attachments=attachments,
        )
        for u in recipients
    ]
    append_event(
        chain_key=meeting.chain_key,
        kind=NoticeEvent.NOTICE_SENT,
        actor=actor,
        payload={
            "notice": str(notice.pk),
            "kind": kind,
            "supersedes": str(supersedes.pk) if supersedes else None,
            "meeting_number": meeting.number,
            "starts_at": meeting.starts_at.isoformat(),
            "letter_number": number,
            "letter_sha256": notice.letter_sha256,
            "ics_sha256": notice.ics_sha256,
            "rule": rule,
            "days_before": decision.days_before if decision else None,
            "clause": decision.clause if decision else None,
            "signatory": {
                "choice": signer.choice,
                "name": signer.name,
                "position": signer.position,
            },
            "enclosures": [
                {"number": n, "file": name, "sha256": hashlib.sha256(data).hexdigest()}
                for n, (name, data, _type) in enumerate(attachments, start=1)
            ],
            "messages": [
                {
                    "to": m.recipient_email,
                    "message_id": m.message_id,
                    "sha256": m.sha256,
                    "addressee": addressed[m.recipient_id],
                    "letter_sha256": hashlib.sha256(
                        copies[addressed[m.recipient_id]]
                    ).hexdigest(),
                }
                for m in messages
            ],
        },
    )
    notice_id = str(notice.pk)
    transaction.on_commit(lambda: _enqueue_delivery(notice_id))
    return notice


Attachment = tuple[str, bytes, str]  # file name, bytes, MIME type


def _enclosure_files(meeting: Meeting, letter: InvitationLetter) -> list[Attachment]:
    """The files behind the letter's "สิ่งที่ส่งมาด้วย", in its order: the agenda as
    enclosure 1, then the marked documents (R63). A letter without enclosures (the
    cancellation) attaches none."""
    if not letter.enclosures:
        return []
    files: list[Attachment] = [
        (AGENDA_FILENAME, render_agenda(meeting, place=place_text(meeting)), PDF)
    ]
    for number, document in enumerate(enclosure_documents(meeting), start=2):
        version = document.current_version
        assert version is not None  # enclosure_documents keeps uploaded ones only
        suffix = Path(version.original_name).suffix.lower()[:10]
        with version.file.open("rb") as handle:
            data = handle.read()
        files.append((f"enclosure-{number}{suffix}", data, version.content_type))
    return files


def _enqueue_delivery(notice_id: str) -> None:
    deliver_notice_messages.enqueue(notice_id)


def _build_message(
    *,
    notice: Notice,
    meeting: Meeting,
    letter: InvitationLetter,
    user: Any,
    position: str,
    now: Any,
    letter_pdf: bytes,
    attachments: list[Attachment],
) -> NoticeMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1] or "prachum.local"
    message_id = make_msgid(idstring=f"notice-{notice.pk.hex[:12]}", domain=domain)
    site = settings.SITE_URL.rstrip("/")
    links = [
        f"- {d.title}: {site}{reverse('meetings:document', args=[d.current_version.pk])}"
        for d in meeting.documents.order_by("created_at")
        if d.current_version is not None
    ]
    body = "\n\n".join(
        [
            f"เรียน {user.display_name} {position}".rstrip(),
            *letter.body_paragraphs,
            "หนังสือแนบมาพร้อมนี้ (PDF)"
            + (f" พร้อมสิ่งที่ส่งมาด้วย {len(attachments)} รายการ" if attachments else "")
            + " และไฟล์นัดหมาย (.ics)",
            "เอกสารประกอบการประชุม (ต้องเข้าสู่ระบบ):\n" + "\n".join(links) if links else "",
            f"{letter.signer_name}\n{letter.signer_position}",
        ]
    ).strip()
    body = official_digits(body, thai_digits=letter.thai_digits)
    # The recipient's own PIN, in Arabic digits as keyed (issue 17); "" when SIP is off.
    body = "\n\n".join(filter(None, [body, dial_in_paragraph(meeting, user)]))
    email = EmailMessage(
        subject=letter.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Message-ID": message_id, "Date": format_datetime(now)},
    )
    email.attach(LETTER_FILENAME, letter_pdf, PDF)
    for name, data, mime in attachments:
        email.attach(name, data, mime)
    # Django adds the charset itself; naming it here too would repeat the parameter.
    email.attach(ICS_FILENAME, bytes(notice.ics), "text/calendar; method=REQUEST")
    raw = serialize_message(email)
    return NoticeMessage.objects.create(
        notice=notice,
        recipient=user,
        sender=settings.DEFAULT_FROM_EMAIL,
        recipient_email=user.email,
        message_id=message_id,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
    )
