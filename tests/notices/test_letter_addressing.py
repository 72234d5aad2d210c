"""Who signs the letter, how each recipient is addressed, what is enclosed, and one digit
system throughout (R63, R67; issue 14 point 5). Read back from the stored mail bytes,
which are the bytes sent."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prachum.committees.models import Committee, Role
from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.enclosures import set_document_enclosure
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.notices import changes, services
from prachum.notices.error_codes import NoticeError
from prachum.notices.models import Notice, NoticeMessage, Signatory
from tests.factories import MINIMAL_PDF, MembershipFactory, UserFactory
from tests.letters.test_invitation_pdf import pdftotext, skeleton

pytestmark = pytest.mark.django_db

MEMBERS = "กรรมการพัฒนาระบบราชการ"  # คณะกรรมการพัฒนาระบบราชการ's members
ARABIC_OUTSIDE_ADDRESSES = re.compile(r"[0-9]")


def _mail(message: NoticeMessage) -> EmailMessage:
    parsed = email.message_from_bytes(bytes(message.raw), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _attachments(message: NoticeMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_payload(decode=True)
        for part in _mail(message).iter_attachments()
    }


def _text(pdf: bytes, tmp_path: Path) -> str:
    return skeleton(pdftotext(pdf, tmp_path, "-raw"))


def _sent_payload(meeting: Meeting) -> dict[str, Any]:
    return [
        e for e in list_events(chain_key=meeting.chain_key) if e.kind == "notice.sent"
    ][-1].payload


def _upload(meeting: Meeting, secretary: Any, title: str, *, enclosure: bool) -> Any:
    return meeting_services.upload_document(
        actor=secretary,
        meeting=meeting,
        title=title,
        upload=SimpleUploadedFile(f"{title}.pdf", MINIMAL_PDF, "application/pdf"),
        is_enclosure=enclosure,
    ).document


# Signatory -------------------------------------------------------------------------


def test_the_secretary_signs_for_the_chair_by_default(
    ready_meeting: Meeting, secretary: Any, tmp_path: Path
) -> None:
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    assert notice.signatory == Signatory.SECRETARY_FOR_CHAIR
    text = _text(bytes(notice.letter_pdf), tmp_path)
    for line in (
        f"({secretary.display_name})",
        "เลขานุการคณะกรรมการพัฒนาระบบราชการ แทน",
        "ประธานกรรมการพัฒนาระบบราชการ",
    ):
        assert skeleton(line) in text
    signed = _sent_payload(ready_meeting)["signatory"]
    assert signed["choice"] == "secretary_for_chair"
    assert signed["name"] == secretary.display_name


def test_the_chair_signs_with_their_office_under_the_name(
    committee: Committee,
    ready_meeting: Meeting,
    chair: Any,
    secretary: Any,
    tmp_path: Path,
) -> None:
    committee.memberships.filter(user=chair).update(position_title="รองปลัดกระทรวง")
    notice = services.send_notice(
        actor=secretary, meeting=ready_meeting, signatory=Signatory.CHAIR
    )
    assert Notice.objects.get(pk=notice.pk).signatory == "chair"
    text = _text(bytes(notice.letter_pdf), tmp_path)
    assert (
        skeleton(f"({chair.display_name}) รองปลัดกระทรวง ประธานกรรมการพัฒนาระบบราชการ")
        in text
    )
    assert skeleton("แทน") not in text.split(skeleton(f"({chair.display_name})"))[1]
    assert _sent_payload(ready_meeting)["signatory"] == {
        "choice": "chair",
        "name": chair.display_name,
        "position": "รองปลัดกระทรวง\nประธานกรรมการพัฒนาระบบราชการ",
    }


def test_the_head_of_the_agency_signs_only_once_named(
    agency: Any, ready_meeting: Meeting, secretary: Any, tmp_path: Path
) -> None:
    with pytest.raises(ServiceError) as refused:
        services.send_notice(
            actor=secretary, meeting=ready_meeting, signatory=Signatory.AGENCY_HEAD
        )
    assert refused.value.code == NoticeError.NO_SIGNATORY
    # Nothing was sent, numbered or stored.
    ready_meeting.refresh_from_db()
    agency.refresh_from_db()
    assert (ready_meeting.status, ready_meeting.number) == (MeetingStatus.DRAFT, None)
    assert agency.next_letter_number == 41
    assert not Notice.objects.exists()

    agency.head_name, agency.head_position = "นายปกครอง ดีงาม", "ปลัดกระทรวงตัวอย่าง"
    agency.save()
    notice = services.send_notice(
        actor=secretary, meeting=ready_meeting, signatory=Signatory.AGENCY_HEAD
    )
    assert skeleton("(นายปกครอง ดีงาม) ปลัดกระทรวงตัวอย่าง") in _text(
        bytes(notice.letter_pdf), tmp_path
    )


def test_a_committee_without_a_chair_cannot_have_the_chair_sign(
    committee: Committee, ready_meeting: Meeting, secretary: Any
) -> None:
    committee.memberships.filter(role=Role.CHAIR).update(role=Role.MEMBER)
    with pytest.raises(ServiceError) as refused:
        services.send_notice(actor=secretary, meeting=ready_meeting, signatory="chair")
    assert refused.value.code == NoticeError.NO_SIGNATORY
    with pytest.raises(ServiceError):
        services.send_notice(
            actor=secretary, meeting=ready_meeting, signatory="janitor"
        )


def test_postponement_and_cancellation_letters_carry_their_own_signatory(
    ready_meeting: Meeting, secretary: Any, chair: Any, tmp_path: Path
) -> None:
    services.send_notice(actor=secretary, meeting=ready_meeting)
    moved = changes.reschedule_meeting(
        actor=secretary,
        meeting=ready_meeting,
        starts_at=ready_meeting.starts_at + dt.timedelta(days=1),
        ends_at=ready_meeting.ends_at + dt.timedelta(days=1),
        reason="ห้องประชุมไม่ว่าง",
        signatory=Signatory.CHAIR,
    )
    assert moved.signatory == "chair"
    assert skeleton(f"({chair.display_name})") in _text(
        bytes(moved.letter_pdf), tmp_path
    )
    cancelled = changes.cancel_meeting(
        actor=secretary, meeting=ready_meeting, reason="งบประมาณยังไม่อนุมัติ"
    )
    assert cancelled.signatory == "secretary_for_chair"
    # A cancellation encloses nothing.
    for message in cancelled.messages.all():
        assert set(_attachments(message)) == {"invitation-letter.pdf", "invitation.ics"}


# Salutation ------------------------------------------------------------------------


def test_members_are_addressed_as_members_and_invitees_by_name_and_position(
    committee: Committee,
    ready_meeting: Meeting,
    secretary: Any,
    member: Any,
    tmp_path: Path,
) -> None:
    invitee = MembershipFactory(
        committee=committee,
        role=Role.INVITEE,
        position_title="ผู้อำนวยการสำนักงบประมาณเขต 1",
        user=UserFactory(username="guest", title="นางสาว", full_name="วิไล ชำนาญ"),
    ).user
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    by_user = {m.recipient_id: m for m in notice.messages.all()}

    guest_letter = _attachments(by_user[invitee.pk])["invitation-letter.pdf"]
    guest_text = _text(guest_letter, tmp_path)
    assert skeleton("เรียน นางสาววิไล ชำนาญ (ผู้อำนวยการสำนักงบประมาณเขต 1)") in guest_text
    assert skeleton(f"เรียน {MEMBERS}") not in guest_text

    member_letter = _attachments(by_user[member.pk])["invitation-letter.pdf"]
    assert member_letter == bytes(notice.letter_pdf)  # the file copy is the members'
    assert skeleton(f"เรียน {MEMBERS}") in _text(member_letter, tmp_path)

    addressed = {m["to"]: m for m in _sent_payload(ready_meeting)["messages"]}
    assert addressed[invitee.email]["addressee"] == (
        "นางสาววิไล ชำนาญ (ผู้อำนวยการสำนักงบประมาณเขต 1)"
    )
    assert addressed[invitee.email]["letter_sha256"] == (
        hashlib.sha256(guest_letter).hexdigest()
    )
    assert addressed[member.email]["addressee"] == MEMBERS


# Enclosures ------------------------------------------------------------------------


def test_the_agenda_and_the_marked_documents_are_attached_as_enclosures(
    ready_meeting: Meeting, secretary: Any, member: Any, tmp_path: Path
) -> None:
    _upload(ready_meeting, secretary, "เอกสารภายใน", enclosure=False)
    budget = _upload(ready_meeting, secretary, "รายงานงบประมาณ", enclosure=False)
    set_document_enclosure(actor=secretary, document=budget, is_enclosure=True)
    plan = _upload(ready_meeting, secretary, "แผนปฏิบัติการ", enclosure=True)
    plan_bytes = plan.current_version.file.read()

    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    message = notice.messages.get(recipient=member)
    files = _attachments(message)
    assert set(files) == {
        "invitation-letter.pdf",
        "invitation.ics",
        "enclosure-1-agenda.pdf",
        "enclosure-2.pdf",
        "enclosure-3.pdf",
    }
    assert files["enclosure-3.pdf"] == plan_bytes
    agenda = _text(files["enclosure-1-agenda.pdf"], tmp_path)
    for needle in ("ระเบียบวาระการประชุม", "ระเบียบวาระที่ 1", "ระเบียบวาระที่ 5"):
        assert skeleton(needle) in agenda
    letter = _text(files["invitation-letter.pdf"], tmp_path)
    assert (
        skeleton("สิ่งที่ส่งมาด้วย 1. ระเบียบวาระการประชุม 2. รายงานงบประมาณ 3. แผนปฏิบัติการ")
        in letter
    )
    assert skeleton("เอกสารภายใน") not in letter
    enclosed = _sent_payload(ready_meeting)["enclosures"]
    assert [e["file"] for e in enclosed] == [
        "enclosure-1-agenda.pdf",
        "enclosure-2.pdf",
        "enclosure-3.pdf",
    ]
    assert enclosed[2]["sha256"] == hashlib.sha256(plan_bytes).hexdigest()


def test_only_the_secretariat_marks_enclosures(
    ready_meeting: Meeting, secretary: Any, member: Any
) -> None:
    paper = _upload(ready_meeting, secretary, "รายงาน", enclosure=False)
    with pytest.raises(ServiceError):
        set_document_enclosure(actor=member, document=paper, is_enclosure=True)
    paper.refresh_from_db()
    assert not paper.is_enclosure
    set_document_enclosure(actor=secretary, document=paper, is_enclosure=True)
    events = list(list_events(chain_key=ready_meeting.chain_key))
    assert events[-1].kind == "document.enclosure_set"
    assert events[-1].payload["is_enclosure"] is True


# Digits ----------------------------------------------------------------------------


def test_thai_digits_everywhere_but_web_and_mail_addresses(
    agency: Any, ready_meeting: Meeting, secretary: Any, member: Any, tmp_path: Path
) -> None:
    agency.thai_digits = True
    agency.save()
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    message = notice.messages.get(recipient=member)
    files = _attachments(message)
    letter = pdftotext(files["invitation-letter.pdf"], tmp_path, "-raw")
    agenda = pdftotext(files["enclosure-1-agenda.pdf"], tmp_path, "-raw")
    body = str(_mail(message).get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    addresses = re.compile(r"https?://\S+|\S+@\S+")
    for text in (letter, agenda, body):
        assert re.search("[๐-๙]", text)
        assert not ARABIC_OUTSIDE_ADDRESSES.search(addresses.sub("", text)), text
    # (not in the words: the room's web address carries the meeting's random id)
    assert "๗๙" not in addresses.sub("", letter)
    assert "79" not in addresses.sub("", letter)


def test_arabic_digits_everywhere_when_the_agency_chose_them(
    ready_meeting: Meeting, secretary: Any, member: Any, tmp_path: Path
) -> None:
    notice = services.send_notice(actor=secretary, meeting=ready_meeting)
    files = _attachments(notice.messages.get(recipient=member))
    for name in ("invitation-letter.pdf", "enclosure-1-agenda.pdf"):
        assert not re.search("[๐-๙]", pdftotext(files[name], tmp_path, "-raw")), name


# Pages -----------------------------------------------------------------------------


def test_the_send_page_offers_the_signatory_and_refuses_one_that_cannot_sign(
    ready_meeting: Meeting, secretary: Any, client_for: Any
) -> None:
    client = client_for(secretary)
    detail = reverse("meetings:detail", args=[ready_meeting.pk])
    page = client.get(detail).content.decode()
    assert 'name="signatory"' in page
    assert "เลขานุการลงนามแทนประธานกรรมการ" in page
    assert "หัวหน้าส่วนราชการ" in page

    send = reverse("meetings:send_notice", args=[ready_meeting.pk])
    refused = client.post(send, {"signatory": "agency_head"})
    assert refused.status_code == 400
    assert "ยังไม่ได้กำหนดหัวหน้าส่วนราชการ" in refused.content.decode()
    bogus = client.post(send, {"signatory": "janitor"})
    assert bogus.status_code == 400
    assert "เลือกผู้ลงนามในหนังสือ" in bogus.content.decode()
    assert not Notice.objects.exists()

    sent = client.post(send, {"signatory": "chair"})
    assert sent.status_code == 302
    assert Notice.objects.get().signatory == "chair"
    assert "ผู้ลงนาม: ประธานกรรมการ" in client.get(detail).content.decode()


def test_the_meeting_page_marks_documents_as_enclosures(
    ready_meeting: Meeting, secretary: Any, member: Any, client_for: Any
) -> None:
    client = client_for(secretary)
    client.post(
        reverse("meetings:document_upload", args=[ready_meeting.pk]),
        {
            "title": "แผนปฏิบัติการ",
            "file": SimpleUploadedFile("plan.pdf", MINIMAL_PDF, "application/pdf"),
            "is_enclosure": "on",
        },
    )
    paper = ready_meeting.documents.get()
    assert paper.is_enclosure
    toggle = reverse("meetings:document_enclosure", args=[ready_meeting.pk, paper.pk])
    page = client.get(
        reverse("meetings:detail", args=[ready_meeting.pk])
    ).content.decode()
    assert toggle in page
    assert "ส่งพร้อมหนังสือเชิญประชุม" in page
    client.post(toggle, {})  # the box unticked
    paper.refresh_from_db()
    assert not paper.is_enclosure
    client_for(member).post(toggle, {"is_enclosure": "on"})
    paper.refresh_from_db()
    assert not paper.is_enclosure


def test_the_postpone_page_offers_the_signatory(
    ready_meeting: Meeting, secretary: Any, chair: Any, client_for: Any
) -> None:
    services.send_notice(actor=secretary, meeting=ready_meeting)
    client = client_for(secretary)
    url = reverse("meetings:reschedule", args=[ready_meeting.pk])
    assert 'name="signatory"' in client.get(url).content.decode()
    later = timezone.localtime(ready_meeting.starts_at) + dt.timedelta(days=1)
    length = ready_meeting.ends_at - ready_meeting.starts_at
    done = client.post(
        url,
        {
            "starts_at": later.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (later + length).strftime("%Y-%m-%dT%H:%M"),
            "venue": "",
            "reason": "ห้องประชุมไม่ว่าง",
            "signatory": "chair",
        },
    )
    assert done.status_code == 302
    assert ready_meeting.notices.order_by("-sent_at").first().signatory == "chair"


def test_the_api_takes_the_signatory(
    ready_meeting: Meeting, secretary: Any, client_for: Any
) -> None:
    url = f"/api/meetings/{ready_meeting.pk}/notice"
    client = client_for(secretary, "en")
    unknown = client.post(f"{url}?signatory=janitor")
    assert unknown.status_code in {400, 422}
    no_head = client.post(f"{url}?signatory=agency_head")
    assert no_head.status_code == 400
    assert no_head.json()["code"] == "NO_SIGNATORY"
    done = client.post(f"{url}?signatory=chair")
    assert done.status_code == 201
    assert done.json()["signatory"] == "chair"
