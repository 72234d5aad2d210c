"""Golden letters: each letter kind, built by the same code the notice service uses from
fixed rows, rendered to PDF, page 1 rasterised with poppler's pdftoppm at 60 dpi and
compared with tests/letters/golden/<kind>.png (R63-R68; issue 14 point 5).

A small share of pixels may differ (font hinting and anti-aliasing across poppler and
FreeType versions); a moved block, a missing Garuda or another digit system does not
fit in that share. ``UPDATE_GOLDEN=1`` rewrites the PNGs: look at them before
committing.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw

from prachum.committees.models import Role
from prachum.domain.thai_dates import BANGKOK
from prachum.letters.invitation import render_invitation_pdf
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode, MeetingStatus
from prachum.notices.addressing import render_agenda, resolve_signer
from prachum.notices.changes import Held, cancellation_letter, postponement_letter
from prachum.notices.models import Signatory
from prachum.notices.services import build_letter, place_text
from tests.factories import AgencyFactory, CommitteeFactory, MembershipFactory
from tests.factories.accounts import UserFactory
from tests.letters.test_invitation_pdf import _tool

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
# Share of pixels allowed to differ, and by how much a pixel may differ unnoticed.
MAX_DIFF_RATIO = 0.004
PIXEL_TOLERANCE = 64
SENT_ON = dt.date(2026, 11, 20)
NUMBER = "มท 0210.5/123"


def emblem_png() -> bytes:
    """A stand-in for the Garuda: a dark, taller-than-wide figure on transparency."""
    image = Image.new("RGBA", (240, 270), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 0, 170, 90), fill=(120, 20, 20, 255))  # head
    draw.polygon(
        [(0, 60), (120, 120), (240, 60), (200, 200), (40, 200)], fill=(120, 20, 20, 255)
    )
    draw.rectangle((90, 190, 150, 270), fill=(120, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


@pytest.fixture
def golden_meeting(db: None) -> Meeting:
    agency = AgencyFactory(
        name="สำนักงานปลัดกระทรวงมหาดไทย",
        address="ถนนอัษฎางค์ แขวงวังบูรพาภิรมย์\nเขตพระนคร กรุงเทพฯ 10200",
        letter_code="มท 0210.5",
        phone="0 2222 1141",
        email="saraban@moi.go.th",
        garuda=emblem_png(),
        head_name="นายปกครอง ดีงาม",
        head_position="ปลัดกระทรวงมหาดไทย",
    )
    committee = CommitteeFactory(
        agency=agency,
        name="คณะกรรมการพัฒนาระบบราชการ",
        fallback_channel="โทรศัพท์ถึงฝ่ายเลขานุการ 0 2222 1141 ต่อ 50210",
    )
    cast = [
        ("g-chair", Role.CHAIR, "สมศักดิ์ รักษ์ชาติ", "รองปลัดกระทรวงมหาดไทย"),
        ("g-secretary", Role.SECRETARY, "สมชาย ใจดี", "ผู้อำนวยการกองการเจ้าหน้าที่"),
    ]
    for username, role, name, position in cast:
        MembershipFactory(
            committee=committee,
            role=role,
            position_title=position,
            user=UserFactory(username=username, full_name=name),
        )
    starts = dt.datetime(2026, 11, 27, 10, 0, tzinfo=BANGKOK)
    meeting = Meeting.objects.create(
        id=uuid.UUID("5e1f2a3b-0000-4000-8000-000000000001"),
        committee=committee,
        number=1,
        buddhist_year=2569,
        title="การประชุมคณะกรรมการพัฒนาระบบราชการ",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        mode=MeetingMode.HYBRID,
        venue="ห้องประชุมชั้น 2 อาคารศาลาว่าการกระทรวงมหาดไทย",
        status=MeetingStatus.NOTIFIED,
        created_by=committee.memberships.get(role=Role.SECRETARY).user,
    )
    items = [
        "เรื่องที่ประธานแจ้งให้ที่ประชุมทราบ",
        "รับรองรายงานการประชุม ครั้งที่ 4/2569",
        "เรื่องสืบเนื่องจากการประชุมครั้งที่แล้ว",
        "เรื่องเพื่อพิจารณา",
        "เรื่องอื่น ๆ",
    ]
    for position, title in enumerate(items, start=1):
        item = AgendaItem.objects.create(
            meeting=meeting, position=position * 10, title=title
        )
        if position == 4:
            for sub, sub_title in enumerate(
                ("แผนพัฒนาระบบราชการ ปี 2570", "การจัดสรรงบประมาณ 1,250,000 บาท"), start=1
            ):
                AgendaItem.objects.create(
                    meeting=meeting,
                    parent=item,
                    position=position * 10 + sub,
                    title=sub_title,
                )
    return meeting


def _signer(meeting: Meeting, choice: str) -> Any:
    secretary = meeting.committee.memberships.get(role=Role.SECRETARY).user
    return resolve_signer(meeting=meeting, choice=choice, sender=secretary)


def _invitation(meeting: Meeting) -> bytes:
    signer = _signer(meeting, Signatory.SECRETARY_FOR_CHAIR)
    letter = build_letter(
        meeting=meeting, number=NUMBER, signer=signer, sent_on=SENT_ON
    )
    return render_invitation_pdf(letter)


def _reschedule(meeting: Meeting) -> bytes:
    before = Held(meeting.starts_at, meeting.ends_at, place_text(meeting))
    meeting.starts_at += dt.timedelta(days=7)
    meeting.ends_at += dt.timedelta(days=7)
    letter = postponement_letter(
        meeting=meeting,
        number=NUMBER,
        signer=_signer(meeting, Signatory.CHAIR),
        sent_on=SENT_ON,
        before=before,
        reason="ประธานกรรมการติดภารกิจเร่งด่วนของกระทรวง",
    )
    return render_invitation_pdf(letter)


def _cancellation(meeting: Meeting) -> bytes:
    letter = cancellation_letter(
        meeting=meeting,
        number=NUMBER,
        signer=_signer(meeting, Signatory.AGENCY_HEAD),
        sent_on=SENT_ON,
        reason="เรื่องที่จะพิจารณาได้ดำเนินการแล้วเสร็จ",
    )
    return render_invitation_pdf(letter)


def _agenda(meeting: Meeting) -> bytes:
    return render_agenda(meeting, place=place_text(meeting))


def _invitation_thai_digits(meeting: Meeting) -> bytes:
    meeting.committee.agency.thai_digits = True
    return _invitation(meeting)


KINDS: dict[str, Callable[[Meeting], bytes]] = {
    "invitation": _invitation,
    "reschedule": _reschedule,
    "cancellation": _cancellation,
    "agenda": _agenda,
    "invitation-thai-digits": _invitation_thai_digits,
}


def first_page_png(pdf: bytes, tmp_path: Path) -> Image.Image:
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            _tool("pdftoppm"),
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "page.png") as image:
        return image.convert("RGB")


def diff_ratio(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ by more than PIXEL_TOLERANCE in any channel."""
    if a.size != b.size:
        return 1.0
    diff = (
        ImageChops.difference(a, b)
        .convert("L")
        .point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    )
    histogram = diff.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


@pytest.mark.parametrize("kind", list(KINDS))
def test_letter_matches_its_golden_png(
    kind: str, golden_meeting: Meeting, tmp_path: Path
) -> None:
    page = first_page_png(KINDS[kind](golden_meeting), tmp_path)
    golden = GOLDEN / f"{kind}.png"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        page.save(golden, optimize=True)
    assert golden.is_file(), (
        f"{golden} missing: run with UPDATE_GOLDEN=1 and look at it"
    )
    with Image.open(golden) as expected:
        ratio = diff_ratio(page, expected.convert("RGB"))
    assert ratio <= MAX_DIFF_RATIO, (
        f"{kind}: {ratio:.2%} of pixels differ from {golden.name} "
        f"(allowed {MAX_DIFF_RATIO:.2%}); UPDATE_GOLDEN=1 regenerates after a deliberate change"
    )


def test_the_comparison_sees_a_missing_emblem(
    golden_meeting: Meeting, tmp_path: Path
) -> None:
    """The tolerance is small enough that the Garuda's absence fails the golden test."""
    with_emblem = first_page_png(_invitation(golden_meeting), tmp_path)
    agency = golden_meeting.committee.agency
    agency.garuda = b""
    agency.save()
    golden_meeting.committee.agency.refresh_from_db()
    without = first_page_png(_invitation(golden_meeting), tmp_path)
    assert diff_ratio(with_emblem, without) > MAX_DIFF_RATIO


def test_the_comparison_sees_thai_digits(
    golden_meeting: Meeting, tmp_path: Path
) -> None:
    arabic = first_page_png(_invitation(golden_meeting), tmp_path)
    agency = golden_meeting.committee.agency
    agency.thai_digits = True
    agency.save()
    thai = first_page_png(_invitation(golden_meeting), tmp_path)
    assert diff_ratio(arabic, thai) > MAX_DIFF_RATIO
