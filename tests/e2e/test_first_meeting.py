"""A secretary's whole first meeting, only by clicking from the home page (issue 14).

Starting point, as an operator leaves it: the agency exists (letters, Garuda, head of
the agency) and the secretary has an account and runs another committee of it. From
there everything is a click, a typed form field or a chosen file: no typed URL, no
Django admin, no shell. The people of the new committee get their invitation mail;
their "mail program" is a blank page holding the mail's text with its link, which
they click.

The walk: create the committee under the agency → import the roster (Thai role names)
→ each person sets a password from the invitation and enrols a second factor → the
allowance rate → schedule a hybrid meeting → the chair decides on the electronic
meeting and on urgency → send the notice → hold the meeting (members at the table
signed in by the secretary, the chair remote) → close → draft and approve the minutes
→ compute and confirm the allowances → build the evidence package.

Screenshots of every step are kept in ``test-artifacts/first-meeting/`` (or
``$PRACHUM_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.utils import timezone, translation
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page, expect

from prachum.committees.forms import roster_help
from prachum.committees.models import Agency, Committee, Membership, Role
from prachum.evidence.models import EvidencePackage
from prachum.meetings.models import Meeting
from prachum.minutes.models import MinutesVersion
from tests.e2e.mail_helpers import mail_to, open_mail
from tests.factories import CommitteeFactory, MembershipFactory, UserFactory
from tests.web.test_thai_everywhere import (
    Checker,
    catalogue,
    raw_codes,
    visible_texts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = (
    Path(os.environ.get("PRACHUM_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    / "first-meeting"
)
TIMEOUT_MS = 20_000
PASSWORD = "a-long-demo-passphrase-42"
COMMITTEE = "คณะกรรมการพัฒนาคุณภาพชีวิตระดับอำเภอ"
VENUE = "ห้องประชุมศาลากลาง ชั้น 2"
PEOPLE = {
    # username: (title, full name, position, Thai role in the roster)
    "prasert": ("นาย", "ประเสริฐ รักษ์ถิ่น", "นายอำเภอเมือง", "ประธาน"),
    "malee": ("นางสาว", "มาลี ศรีสุข", "ปลัดอำเภอ", "กรรมการ"),
    "wichai": ("นาย", "วิชัย ทองดี", "สาธารณสุขอำเภอ", "กรรมการ"),
    "suda": ("นาง", "สุดา ใจงาม", "พัฒนาการอำเภอ", "กรรมการ"),
}
CHAIR = "prasert"
# Chromium's fake capture devices list under these names: the browser's, not ours.
FAKE_DEVICES = {
    "Fake Default Audio Input",
    "Fake Audio Input 1",
    "Fake Audio Input 2",
    "fake_device_0",
}


def _emblem() -> bytes:
    image = Image.new("RGB", (240, 260), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 220, 240), outline="#b8860b", width=12)
    draw.polygon([(120, 50), (190, 200), (50, 200)], fill="#b8860b")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Shots:
    """Numbered screenshots of the walk, kept as test artefacts; each screen's text is
    checked as the untranslated-text test checks every page (issue 14 point 8), here
    with what the browser shows after the room's script has run."""

    def __init__(self, allowed: set[str]) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        self.n = 0
        exact, patterns = catalogue()
        with translation.override("th"):
            # The roster file's format: its column names and role codes are the format.
            allowed_texts = {roster_help()}
        self.checker = Checker(
            exact, patterns, raw_codes(), allowed | FAKE_DEVICES, allowed_texts
        )

    def __call__(self, page: Page, name: str) -> None:
        self.n += 1
        page.screenshot(
            path=str(ARTIFACTS / f"{self.n:02d}-{name}.png"), full_page=True
        )
        for text in visible_texts(page.content()):
            self.checker.check(f"{self.n:02d}-{name} {page.url}", text)


@pytest.fixture
def office(db: None) -> dict[str, Any]:
    agency = Agency.objects.create(
        name="ที่ทำการปกครองอำเภอเมืองตัวอย่าง",
        address="ศาลากลางจังหวัดตัวอย่าง ถนนราชดำเนิน อำเภอเมือง จังหวัดตัวอย่าง 10000",
        letter_code="ตย 0318",
        phone="0 5300 0000",
        email="saraban@example.go.th",
        next_letter_number=120,
        garuda=_emblem(),
        head_name="นายสมชาย ใจดี",
        head_position="นายอำเภอเมืองตัวอย่าง",
    )
    secret = pyotp.random_base32()
    secretary = UserFactory(
        username="kanda",
        full_name="กานดา เรียบร้อย",
        title="นางสาว",
        position="เจ้าพนักงานปกครองชำนาญงาน",
        second_factor="totp",
        totp_secret=secret,
        totp_confirmed_at=timezone.now(),
    )
    secretary.set_password(PASSWORD)
    secretary.save()
    earlier = CommitteeFactory(agency=agency, name="คณะทำงานเดิมของอำเภอ")
    MembershipFactory(
        committee=earlier, user=secretary, role=Role.SECRETARY, is_voting=False
    )
    return {"agency": agency, "secretary": secretary, "secret": secret}


def _log_in(page: Page, base: str, username: str, password: str, secret: str) -> None:
    """From the home page: it sends a stranger to the login form."""
    page.goto(f"{base}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/**")
    page.locator("input[name=code]").first.fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/meetings/")


def _invited_person_enrols(
    context: BrowserContext, base: str, username: str, address: str
) -> str:
    """Set a password from the invitation, log in, enrol an authenticator app."""
    page = context.new_page()
    open_mail(page, mail_to(address, "ตั้งรหัสผ่าน"))
    page.locator("a[href*='/accounts/invitation/']").click()
    expect(page.locator("h1")).to_have_text("ตั้งรหัสผ่าน")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="ตั้งรหัสผ่าน").click()
    page.wait_for_url("**/accounts/login/**")
    expect(page.locator("input[name=username]")).to_have_value(username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/enrol/")
    page.get_by_role("button", name="ตั้งค่าแอปยืนยันตัวตน").click()
    key = page.locator("code[data-totp-secret]").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(key).now())
    page.get_by_role("button", name="ยืนยัน", exact=True).click()
    page.locator("a.button").click()
    page.wait_for_url(f"{base}/meetings/")
    page.close()
    return key


def _roster_csv(secretary_email_domain: str = "example.go.th") -> bytes:
    rows = ["username,email,title,full_name,position,role"]
    for username, (title, name, position, role) in PEOPLE.items():
        rows.append(
            f"{username},{username}@{secretary_email_domain},{title},{name},{position},{role}"
        )
    return ("\r\n".join(rows) + "\r\n").encode()


def _enter_room(page: Page, base: str, *, at_the_room: bool) -> None:
    page.locator("#enter-room").click()
    page.wait_for_url("**/room/check/")
    if at_the_room:
        page.locator("input[name=location]").first.check()
    else:
        page.check("input[name=location][value=remote]")
    page.locator("#device-start").click()
    page.wait_for_function(
        "() => document.getElementById('mic-level').dataset.moved === 'true'",
        timeout=TIMEOUT_MS,
    )
    page.locator("#id_device_ok").check()
    page.locator("#check-submit").click()
    page.wait_for_url("**/room/")
    expect(page.locator("#connection-state")).to_have_attribute(
        "data-state", "connected"
    )


def test_a_secretarys_first_meeting_by_clicking(
    browser: Browser,
    asgi_live_server: Any,
    office: dict[str, Any],
    settings: Any,
) -> None:
    settings.IDENTITY_CHECK_FRESH_MINUTES = 30
    base = asgi_live_server.url
    shot = Shots(
        {
            *PEOPLE,
            *(f"{u}@example.go.th" for u in PEOPLE),
            "kanda",
            str(office["secretary"].email),
            office["agency"].email,
        }
    )
    new_context = lambda: browser.new_context(  # noqa: E731
        locale="th-TH", timezone_id="Asia/Bangkok"
    )
    sec_context = new_context()
    sec_context.set_default_timeout(TIMEOUT_MS)
    sec = sec_context.new_page()
    sec.on("dialog", lambda dialog: dialog.accept())

    # --- the secretary logs in and creates the committee under her agency ------------
    _log_in(sec, base, "kanda", PASSWORD, office["secret"])
    shot(sec, "home")
    sec.get_by_role("link", name="คณะกรรมการ", exact=True).click()
    sec.get_by_role("link", name="เพิ่มคณะกรรมการ").click()
    sec.fill("input[name=name]", COMMITTEE)
    sec.fill(
        "textarea[name=legal_basis]",
        "คำสั่งจังหวัดตัวอย่าง ที่ 123/2569 ลงวันที่ 1 ตุลาคม 2569",
    )
    expect(sec.locator("select[name=agency]")).to_have_value(str(office["agency"].pk))
    shot(sec, "new-committee")
    sec.get_by_role("button", name="สร้าง").click()
    expect(sec.locator("h1")).to_contain_text(COMMITTEE)
    committee = Committee.objects.get(name=COMMITTEE)
    assert committee.agency == office["agency"]
    assert Membership.objects.filter(
        committee=committee, user=office["secretary"], role=Role.SECRETARY
    ).exists()

    # --- the roster, with Thai role names; everyone new is invited -----------------
    sec.set_input_files(
        "input[type=file]",
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster_csv()}],
    )
    sec.get_by_role("button", name="นำเข้า").click()
    expect(sec.locator(".messages")).to_contain_text("คำเชิญทางอีเมล")
    expect(sec.locator("#roster")).to_contain_text("ประเสริฐ รักษ์ถิ่น")
    shot(sec, "roster-imported")

    # --- each person sets a password from the invitation mail ----------------------
    contexts: dict[str, BrowserContext] = {}
    keys: dict[str, str] = {}
    for username in PEOPLE:
        contexts[username] = new_context()
        contexts[username].set_default_timeout(TIMEOUT_MS)
        keys[username] = _invited_person_enrols(
            contexts[username], base, username, f"{username}@example.go.th"
        )

    # --- the allowance rate ----------------------------------------------------------
    sec.locator("#rates-link").click()
    sec.select_option("select[name=kind]", "per_meeting")
    sec.fill("input[name=member_amount]", "1200.00")
    sec.fill("input[name=valid_from]", "2026-10-01")
    sec.fill("input[name=source]", "หนังสือกระทรวงการคลัง ที่ กค 0406.4/ว 62")
    sec.locator("#rate-form button[type=submit]").click()
    expect(sec.locator("table")).to_contain_text("1,200.00")
    shot(sec, "allowance-rate")

    # --- schedule a hybrid meeting, starting in ten minutes --------------------------
    sec.get_by_role("link", name=COMMITTEE).first.click()
    sec.get_by_role("link", name="นัดประชุม").click()
    start = timezone.localtime() + dt.timedelta(minutes=10)
    sec.fill("input[name=title]", f"การประชุม{COMMITTEE}")
    sec.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    sec.fill(
        "input[name=ends_at]",
        (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    sec.select_option("select[name=mode]", "hybrid")
    sec.fill("input[name=venue]", VENUE)
    sec.locator("#meeting-form button[type=submit]").click()
    expect(sec.locator("#meeting-number")).to_contain_text("ยังไม่กำหนด")
    meeting = Meeting.objects.get(committee=committee)
    shot(sec, "meeting-draft")

    # --- the chair decides: electronic, and urgent (notice today) -------------------
    chair = contexts[CHAIR].new_page()
    chair.on("dialog", lambda dialog: dialog.accept())
    chair.goto(f"{base}/")  # still logged in since enrolling
    chair.get_by_role("link", name="คณะกรรมการ", exact=True).click()
    chair.get_by_role("link", name=COMMITTEE).click()
    chair.get_by_role("link", name=meeting.title).click()
    chair.get_by_role(
        "button", name="ข้าพเจ้ากำหนดให้จัดการประชุมครั้งนี้ผ่านสื่ออิเล็กทรอนิกส์"
    ).click()
    chair.locator("details summary").first.click()
    chair.fill("textarea[name=reason]", "มีเรื่องเร่งด่วนต้องพิจารณาก่อนสิ้นเดือน")
    chair.get_by_role("button", name="บันทึกเป็นกรณีเร่งด่วน").click()
    shot(chair, "chair-decides")

    # --- the secretary sends the notice ----------------------------------------------
    sec.reload()
    sec.locator("#send-notice").click()
    expect(sec.locator("#meeting-number")).to_have_text(
        f"1/{timezone.localdate().year + 543}"
    )
    shot(sec, "notice-sent")

    # --- hold the meeting --------------------------------------------------------------
    _enter_room(sec, base, at_the_room=True)
    chair.reload()  # the chair, back at the meeting page: now noticed
    _enter_room(chair, base, at_the_room=False)
    users = {
        m.user.username: m.user for m in committee.memberships.select_related("user")
    }
    for username in ("malee", "wichai", "suda"):
        sec.select_option("#console-sign-in select[name=user]", str(users[username].pk))
        sec.locator("#console-sign-in button[type=submit]").click()
        expect(
            chair.locator(f"#participants li[data-id='{users[username].pk}']")
        ).to_have_attribute("data-standing", "counted_in_room")
    chair.locator("#console-open button[type=submit]").click()
    expect(chair.locator("#meeting-status")).to_have_attribute("data-status", "open")
    expect(chair.locator("#quorum-counted")).to_have_text("4")
    expect(chair.locator("#quorum-status")).to_have_attribute("data-met", "true")
    shot(chair, "room-open")
    shot(sec, "console-open")
    chair.locator("#console-close button[type=submit]").click()
    expect(chair.locator("#meeting-status")).to_have_attribute("data-status", "closed")
    shot(chair, "room-closed")

    # --- the minutes: drafted by the secretary, approved by the chair --------------
    sec.get_by_role("link", name="การประชุม", exact=True).click()
    sec.get_by_role("link", name=meeting.title).first.click()
    sec.locator("#file-minutes a").first.click()
    sec.get_by_role("button", name="จัดทำร่างรายงานการประชุมจากบันทึกการประชุม").click()
    shot(sec, "minutes-draft")
    chair.get_by_role("link", name="การประชุม", exact=True).click()
    chair.locator("#my-tasks a").first.click()
    finalise = chair.locator(
        "form",
        has=chair.get_by_role("button", name="รับรองและปิดการแก้ไขรายงานการประชุม"),
    )
    finalise.locator("select[name=method]").select_option("circulation")
    finalise.get_by_role("button").click()
    expect(chair.locator("body")).to_contain_text("รับรองรายงานการประชุมโดยการเวียน")
    expect(chair.locator("body")).to_contain_text("ผู้รับรองรายงานการประชุม")
    version = MinutesVersion.objects.get(meeting=meeting)
    assert version.is_locked
    shot(chair, "minutes-approved")

    # --- the allowances ----------------------------------------------------------------
    sec.get_by_role("link", name="การประชุม", exact=True).click()
    sec.get_by_role("link", name=meeting.title).first.click()
    sec.locator("#file-allowances a").first.click()
    sec.get_by_role("button", name="คำนวณจากบันทึกการประชุม").click()
    sec.get_by_role("button", name="ยืนยันบัญชี").click()
    shot(sec, "allowances-confirmed")

    # --- the evidence package ----------------------------------------------------------
    sec.get_by_role("link", name="การประชุม", exact=True).click()
    sec.get_by_role("link", name=meeting.title).first.click()
    sec.locator("#file-package a").first.click()
    sec.get_by_role("button", name="จัดทำชุดหลักฐานใหม่").click()
    assert EvidencePackage.objects.filter(subject_id=meeting.pk).exists()
    shot(sec, "package")
    sec.get_by_role("link", name="การประชุม", exact=True).click()
    sec.get_by_role("link", name=meeting.title).first.click()
    shot(sec, "meeting-file")

    for context in (sec_context, *contexts.values()):
        context.close()
    assert not shot.checker.offenders, "\n".join(shot.checker.offenders)
