"""Load demo data once: an agency, a committee of 9, a scheduled meeting with a document.

The demo agency gets a head and a drawn placeholder emblem marked as a demo (the real
Garuda file is not shipped); a database seeded before they existed gets them on the next
run.

Demo passwords are generated on first run and kept in ``var/demo-logins.txt`` (never in
the repository); running the command again prints them without changing anything.
"""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from prachum.committees import agencies as committee_agencies
from prachum.committees import rates as committee_rates
from prachum.committees import services as committee_services
from prachum.committees.models import Agency, Committee, Role
from prachum.core.private_files import write_private_text
from prachum.letters.fonts import find_laksaman
from prachum.meetings import services as meeting_services
from prachum.meetings.models import MeetingMode
from prachum.notices import services as notice_services

PEOPLE = [
    ("chair", "นาย", "สมชาย ใจดี", "ผู้ว่าราชการจังหวัด", Role.CHAIR),
    ("vicechair", "นาง", "สมศรี มีสุข", "รองผู้ว่าราชการจังหวัด", Role.VICE_CHAIR),
    (
        "secretary",
        "นางสาว",
        "วันดี รักงาน",
        "หัวหน้าสำนักงานจังหวัด",
        Role.MEMBER_SECRETARY,
    ),
    ("member1", "นาย", "ประเสริฐ ทองดี", "ปลัดจังหวัด", Role.MEMBER),
    ("member2", "นาง", "มาลี ศรีสวัสดิ์", "พัฒนาการจังหวัด", Role.MEMBER),
    ("member3", "นาย", "วิชัย แก้วงาม", "โยธาธิการและผังเมืองจังหวัด", Role.MEMBER),
    ("member4", "นางสาว", "อรุณี ดวงแก้ว", "คลังจังหวัด", Role.MEMBER),
    ("member5", "นาย", "สุรชัย บุญมา", "เกษตรจังหวัด", Role.MEMBER),
    ("member6", "นาง", "จันทร์เพ็ญ สายทอง", "สาธารณสุขจังหวัด", Role.MEMBER),
]
COMMITTEE_NAME = "คณะกรรมการบริหารงานจังหวัดแบบบูรณาการ"
AGENCY_NAME = "สำนักงานจังหวัดตัวอย่าง"
HEAD_NAME = "นายสมชาย ใจดี"
HEAD_POSITION = "ผู้ว่าราชการจังหวัดตัวอย่าง"


def _demo_emblem() -> bytes:
    """A placeholder for the Garuda (PNG, 360 x 400): a drawn bird marked ตัวอย่าง."""
    red = (200, 16, 46, 255)
    image = Image.new("RGBA", (360, 400), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 20, 210, 80), fill=red)  # head
    draw.polygon([(180, 60), (200, 85), (180, 95)], fill=red)  # beak
    draw.polygon([(150, 90), (210, 90), (230, 250), (130, 250)], fill=red)  # body
    draw.polygon([(150, 100), (20, 40), (40, 120), (10, 160), (140, 200)], fill=red)
    draw.polygon([(210, 100), (340, 40), (320, 120), (350, 160), (220, 200)], fill=red)
    draw.polygon([(130, 250), (230, 250), (260, 300), (100, 300)], fill=red)  # tail
    font = ImageFont.truetype(str(find_laksaman().bold), 56)
    draw.text((180, 350), "ตัวอย่าง", font=font, fill=red, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _complete_demo_agency() -> None:
    """Give a demo agency seeded before heads and emblems existed its head and emblem."""
    agency = Agency.objects.filter(name=AGENCY_NAME).first()
    operator = get_user_model().objects.filter(username="admin").first()
    if agency is None or operator is None:
        return
    head = {"head_name": HEAD_NAME, "head_position": HEAD_POSITION}
    missing = {k: v for k, v in head.items() if not getattr(agency, k)}
    emblem = None if agency.garuda else _demo_emblem()
    if missing or emblem is not None:
        committee_agencies.update_agency(
            actor=operator, agency=agency, garuda=emblem, **missing
        )


def _demo_pdf() -> bytes:

    fonts = find_laksaman()
    pdf = FPDF()
    pdf.add_font("Laksaman", "", str(fonts.regular))
    pdf.set_text_shaping(True)
    pdf.set_creation_date(timezone.now())
    pdf.add_page()
    pdf.set_font("Laksaman", size=18)
    pdf.multi_cell(
        0, 10, "เอกสารประกอบวาระที่ 4.1\nโครงการพัฒนาแหล่งน้ำเพื่อการเกษตร ปีงบประมาณ 2570"
    )
    return bytes(pdf.output())


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        logins_path = Path(settings.VAR_DIR) / "demo-logins.txt"
        quiet = options.get("verbosity") == 0
        if (
            Committee.objects.filter(name=COMMITTEE_NAME).exists()
            and logins_path.exists()
        ):
            _complete_demo_agency()
            if not quiet:
                self.stdout.write(logins_path.read_text(encoding="utf-8"))
            return
        user_model = get_user_model()
        password = secrets.token_urlsafe(9)
        with transaction.atomic():
            operator = user_model.objects.create_superuser(
                username="admin",
                email="admin@demo.prachum.local",
                full_name="ผู้ดูแลระบบ",
                password=password,
            )
            agency = committee_agencies.create_agency(
                actor=operator,
                name=AGENCY_NAME,
                address="ศาลากลางจังหวัดตัวอย่าง\nถนนราชดำเนิน อำเภอเมือง 10000",
                letter_code="ตย 0017.1",
                phone="0 2123 4567",
                email="saraban@demo.prachum.local",
                garuda=_demo_emblem(),
                head_name=HEAD_NAME,
                head_position=HEAD_POSITION,
            )
            committee = committee_services.create_committee(
                actor=operator,
                agency=agency,
                name=COMMITTEE_NAME,
                legal_basis="พระราชกฤษฎีกาว่าด้วยการบริหารงานจังหวัดและกลุ่มจังหวัดแบบบูรณาการ พ.ศ. 2551 มาตรา 6",
                category="regular",
                fallback_channel="โทรศัพท์ฝ่ายเลขานุการ 0 2123 4567 ต่อ 11 หรือกลุ่มไลน์คณะกรรมการ",
            )
            users = {}
            for username, title, name, position, role in PEOPLE:
                user = user_model(
                    username=username,
                    email=f"{username}@demo.prachum.local",
                    title=title,
                    full_name=name,
                    position=position,
                )
                user.set_password(password)
                user.save()
                users[username] = user
                committee_services.add_member(
                    actor=operator, committee=committee, user=user, role=role
                )
            committee_rates.set_allowance_rate(
                actor=operator,
                committee=committee,
                kind="per_meeting",
                member_amount=Decimal("1000.00"),
                valid_from=date(2021, 1, 22),
                source="หนังสือกระทรวงการคลัง ที่ กค 0408/ว 59",
            )
            start = (timezone.localtime() + timedelta(days=7)).replace(
                hour=9, minute=30, second=0, microsecond=0
            )
            secretary = users["secretary"]
            meeting = meeting_services.schedule_meeting(
                actor=secretary,
                committee=committee,
                title=COMMITTEE_NAME,
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                mode=MeetingMode.HYBRID,
                venue="ห้องประชุมพระนารายณ์ ชั้น 2 ศาลากลางจังหวัด",
            )
            section4 = meeting.agenda_items.get(position=400)
            item = meeting_services.add_agenda_item(
                actor=secretary,
                meeting=meeting,
                parent=section4,
                title="โครงการพัฒนาแหล่งน้ำเพื่อการเกษตร ปีงบประมาณ 2570",
            )
            meeting_services.upload_document(
                actor=secretary,
                meeting=meeting,
                title="รายละเอียดโครงการพัฒนาแหล่งน้ำ",
                upload=SimpleUploadedFile(
                    "project.pdf", _demo_pdf(), "application/pdf"
                ),
                agenda_item=item,
            )
            meeting_services.record_electronic_decision(
                actor=users["chair"], meeting=meeting
            )
            _urgent_meeting(committee, users)
        lines = [
            "Demo logins (password for every account): " + password,
            "  secretary  — กรรมการและเลขานุการ (prepares meetings, sends notices, votes)",
            "  chair      — ประธาน",
            "  member1..member6, vicechair — กรรมการ",
            "  admin      — operator (agencies and people: หน่วยงาน, ผู้ใช้ in the menu)",
            "An urgent hybrid meeting (notice sent) starts 20 minutes after the first run:",
            "the chair may open it from 30 minutes before its start.",
            "Second factor: a one-time code by e-mail; with no mail server and DEMO_MODE=true",
            "(make run sets it) it is shown on the code page; operators read var/outbox/ at /outbox/.",
        ]
        text = "\n".join(lines) + "\n"
        write_private_text(logins_path, text)
        if not quiet:
            self.stdout.write(text)


def _urgent_meeting(committee: Committee, users: dict[str, Any]) -> None:
    """A hybrid meeting convened urgently for today, its notice sent: one the chair can
    open at once, to try the live room (the chair may open 30 minutes early)."""
    start = (timezone.localtime() + timedelta(minutes=20)).replace(
        second=0, microsecond=0
    )
    meeting = meeting_services.schedule_meeting(
        actor=users["secretary"],
        committee=committee,
        title=f"{COMMITTEE_NAME} (นัดพิเศษ)",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        mode=MeetingMode.HYBRID,
        venue="ห้องประชุมพระนารายณ์ ชั้น 2 ศาลากลางจังหวัด",
    )
    meeting_services.add_agenda_item(
        actor=users["secretary"],
        meeting=meeting,
        parent=meeting.agenda_items.get(position=400),
        title="การจัดสรรงบประมาณช่วยเหลือผู้ประสบอุทกภัย",
    )
    meeting_services.mark_urgent(
        actor=users["chair"],
        meeting=meeting,
        reason="กระทรวงมหาดไทยสั่งการให้พิจารณาการช่วยเหลือผู้ประสบอุทกภัยภายในวันนี้",
    )
    meeting_services.record_electronic_decision(actor=users["chair"], meeting=meeting)
    notice_services.send_notice(actor=users["secretary"], meeting=meeting)
