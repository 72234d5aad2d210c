"""Minutes drafted from a hybrid meeting run through the services: the Saraban form's
eleven fields in order in the PDF (read back with pdftotext) and the DOCX, versions,
approval locking into the evidence chain, corrections and who may do what (R48-R55)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.thai_dates import format_thai_date, format_thai_time
from prachum.evidence.selectors import check_chain, list_events
from prachum.minutes import services
from prachum.minutes.docx import render_minutes_docx
from prachum.minutes.exports import minutes_files
from prachum.minutes.models import MinutesApproval, MinutesVersion
from prachum.minutes.pdf import render_minutes_pdf
from prachum.minutes.selectors import content_sha256
from tests.letters.test_invitation_pdf import assert_in_order, pdftotext, skeleton

pytestmark = pytest.mark.django_db


def _expected_order(meeting: Any) -> tuple[str, ...]:
    events = list_events(chain_key=meeting.chain_key)
    opened = events.filter(kind="meeting.opened").first().at
    closed = events.filter(kind="meeting.closed").last().at
    return (
        "รายงานการประชุมคณะกรรมการพัฒนาระบบราชการ",  # (1)
        f"ครั้งที่ {meeting.number}/{meeting.buddhist_year}",  # (2)
        f"เมื่อวันที่ {format_thai_date(opened)}",  # (3)
        "ณ ห้องประชุม 501 และผ่านสื่ออิเล็กทรอนิกส์ (Prachum)",  # (4)
        "ผู้มาประชุม",  # (5)
        "1. นายประธาน ทดสอบ ประธานกรรมการ (ผ่านสื่ออิเล็กทรอนิกส์",
        "ยืนยันตัวตนด้วยรหัสผ่านและรหัสใช้ครั้งเดียว",
        "นายกรรมการ คนที่5 กรรมการ (ในห้องประชุม; ลงชื่อ ณ ห้องประชุม)",
        "ผู้ไม่มาประชุม",  # (6)
        "นายกรรมการ คนที่6",
        "ผู้เข้าร่วมประชุม",  # (7)
        "นายเลขานุการ ทดสอบ เลขานุการ",
        f"เริ่มประชุมเวลา {format_thai_time(opened)}",  # (8)
        "ระเบียบวาระที่ 1",  # (9)
        "ระเบียบวาระที่ 4 เรื่องเพื่อพิจารณา",
        "ผลการลงคะแนนโดยเปิดเผย: อนุมัติโครงการ",
        "เห็นด้วย 5 เสียง ได้แก่ นายกรรมการ คนที่1",  # member5: in the room
        "ไม่เห็นด้วย 1 เสียง ได้แก่ นายกรรมการ คนที่2",
        "งดออกเสียง 1 เสียง ได้แก่ นายกรรมการ คนที่3",
        "ผลการลงคะแนนลับ: ต่ออายุสัญญา",
        "เห็นด้วย 7 เสียง",
        "ไม่เห็นด้วย 0 เสียง",
        "มติที่ประชุม อนุมัติโครงการตามที่เสนอ",
        "ความเห็นแย้ง (นายกรรมการ คนที่2): งบประมาณสูงเกินความจำเป็น",
        "ระเบียบวาระที่ 6 เรื่องบุคคล",
        "วาระลับ: ไม่มีการบันทึกภาพและเสียง",
        "มติที่ประชุม เห็นชอบตามที่เสนอ",
        "เหตุขัดข้องระหว่างการประชุม",
        "ภาพกระตุก",
        f"เลิกประชุมเวลา {format_thai_time(closed)}",  # (10)
        "(นายเลขานุการ ทดสอบ)",  # (11)
        "ผู้จดรายงานการประชุม",
    )


@pytest.mark.parametrize("mode", [("-layout",), ()], ids=["layout", "plain"])
def test_pdf_has_the_eleven_fields_in_order(
    draft: MinutesVersion, tmp_path: Path, mode: tuple[str, ...]
) -> None:
    text = pdftotext(render_minutes_pdf(draft.content), tmp_path, *mode)
    assert_in_order(text, _expected_order(draft.meeting))
    assert " น." in text or "น." in text
    # A secret poll shows totals only: no voter's name after its heading.
    secret = skeleton(text).split(skeleton("ผลการลงคะแนนลับ"))[1]
    secret_block = secret.split(skeleton("มติที่ประชุม"))[0]
    assert skeleton("ได้แก่") not in secret_block


def test_pdf_bytes_are_deterministic(draft: MinutesVersion) -> None:
    assert render_minutes_pdf(draft.content) == render_minutes_pdf(draft.content)


def test_docx_has_the_same_fields_in_order(draft: MinutesVersion) -> None:
    import docx

    document = docx.Document(io.BytesIO(render_minutes_docx(draft.content)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert_in_order(text, _expected_order(draft.meeting))
    assert document.styles["Normal"].font.name == "TH Sarabun New"


def test_content_hash_and_draft_event(draft: MinutesVersion) -> None:
    assert draft.version == 1
    assert draft.status == "draft"
    assert draft.sha256 == content_sha256(draft.content)
    event = list_events(chain_key=draft.meeting.chain_key).last()
    assert event.kind == "minutes.drafted"
    assert event.payload["sha256"] == draft.sha256


def test_editing_makes_a_new_version_and_keeps_the_old(
    draft: MinutesVersion, secretary: Any
) -> None:
    item = draft.content["items"][3]["item"]
    absentee = draft.content["absent"][0]["user"]
    v2 = services.edit_minutes(
        actor=secretary,
        version=draft,
        discussions={item: "ฝ่ายเลขานุการเสนอโครงการ ที่ประชุมอภิปรายอย่างกว้างขวาง"},
        absent_reasons={absentee: "ลาป่วย"},
    )
    assert v2.version == 2
    draft.refresh_from_db()
    assert draft.content["items"][3]["discussion"] == ""
    assert v2.content["items"][3]["discussion"].startswith("ฝ่ายเลขานุการ")
    assert v2.content["absent"][0]["reason"] == "ลาป่วย"
    assert v2.sha256 != draft.sha256
    with pytest.raises(ServiceError) as stale:
        services.edit_minutes(actor=secretary, version=draft, discussions={})
    assert stale.value.code == "STALE_VERSION"


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretary_drafts_and_edits(
    held_meeting: Any, draft: MinutesVersion, who: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        services.draft_minutes(actor=actor, meeting=held_meeting)
    with pytest.raises(PermissionDeniedError):
        services.edit_minutes(actor=actor, version=draft, discussions={})


def test_circulation_approval_locks_hashes_and_refuses_edits(
    draft: MinutesVersion, secretary: Any, chair: Any, member: Any, vice_chair: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.record_minutes_approval(
            actor=secretary, version=draft, method="circulation"
        )
    services.record_minutes_approval(actor=member, version=draft, method="circulation")
    services.record_minutes_approval(
        actor=vice_chair, version=draft, method="circulation"
    )
    with pytest.raises(PermissionDeniedError):
        services.approve_minutes(actor=member, version=draft, method="circulation")
    approved = services.approve_minutes(
        actor=chair, version=draft, method="circulation"
    )
    assert approved.status == "approved"
    assert approved.approved_at is not None
    assert MinutesApproval.objects.filter(version=draft).count() == 3
    *_, event, seal = list_events(chain_key=draft.meeting.chain_key)
    assert event.kind == "minutes.approved"
    # The approved minutes are sealed at once, over the approval (ADR 0021).
    assert seal.kind == "evidence.sealed"
    assert seal.payload["statement"]["head"] == event.hash
    assert event.payload["sha256"] == draft.sha256
    assert len(event.payload["approvers"]) == 3
    assert check_chain(chain_key=draft.meeting.chain_key).ok
    with pytest.raises(ServiceError) as locked:
        services.edit_minutes(actor=secretary, version=approved, discussions={})
    assert locked.value.code == "MINUTES_LOCKED"
    with pytest.raises(ServiceError) as again:
        services.draft_minutes(actor=secretary, meeting=draft.meeting)
    assert again.value.code == "MINUTES_APPROVED"
    item = draft.content["items"][0]["item"]
    corrected = services.correct_minutes(
        actor=secretary, version=approved, discussions={item: "แก้ไขถ้อยคำ"}
    )
    assert corrected.version == 2
    assert corrected.status == "draft"
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert approved.content == draft.content
    event = list_events(chain_key=draft.meeting.chain_key).last()
    assert event.kind == "minutes.corrected"
    assert event.payload["corrects_sha256"] == approved.sha256


def test_approval_at_the_next_meeting_records_that_meeting(
    draft: MinutesVersion, chair: Any, make_meeting: Any
) -> None:
    with pytest.raises(ServiceError) as missing:
        services.approve_minutes(actor=chair, version=draft, method="next_meeting")
    assert missing.value.code == "BAD_APPROVING_MEETING"
    following = make_meeting(days_ahead=30)
    approved = services.approve_minutes(
        actor=chair, version=draft, method="next_meeting", at_meeting=following
    )
    assert approved.approved_at_meeting == following
    event = list_events(chain_key=draft.meeting.chain_key).get(kind="minutes.approved")
    assert event.payload["at_meeting"] == str(following.pk)
    item2 = following.agenda_items.get(position=200)
    assert event.payload["agenda_item"] == str(item2.pk)


def test_exporter_gives_json_and_pdf(draft: MinutesVersion) -> None:
    files = dict(minutes_files(draft.meeting))
    assert set(files) == {"minutes.json", "minutes.pdf"}
    assert files["minutes.pdf"].startswith(b"%PDF")
    assert draft.sha256.encode() in files["minutes.json"]


def _client(user: Any) -> Client:
    client = Client(headers={"accept-language": "th"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


def test_views_edit_and_download(
    draft: MinutesVersion, secretary: Any, member: Any
) -> None:
    meeting = draft.meeting
    client = _client(member)
    assert client.get(reverse("minutes:edit", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("minutes:detail", args=[meeting.pk])).status_code == 200
    pdf = client.get(reverse("minutes:pdf", args=[meeting.pk, 1]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # Issue 15, F7: every file handed out is a sandboxed attachment.
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf["Content-Security-Policy"] == "sandbox"
    assert pdf["X-Content-Type-Options"] == "nosniff"
    docx_response = client.get(reverse("minutes:docx", args=[meeting.pk, 1]))
    assert zipfile.is_zipfile(io.BytesIO(docx_response.content))
    client = _client(secretary)
    item = draft.content["items"][0]["item"]
    page = client.get(reverse("minutes:edit", args=[meeting.pk]))
    assert page.status_code == 200
    data = {f"discussion_{i['item']}": i["discussion"] for i in draft.content["items"]}
    data[f"discussion_{item}"] = "ประธานแจ้งที่ประชุมทราบ"
    response = client.post(reverse("minutes:edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    latest = MinutesVersion.objects.filter(meeting=meeting).order_by("-version").first()
    assert latest.version == 2
    assert latest.content["items"][0]["discussion"] == "ประธานแจ้งที่ประชุมทราบ"
