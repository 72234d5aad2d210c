"""The invitation PDF: field order, embedded Thai font, determinism, page flow.

Text is read back with poppler's pdftotext, as a recipient's tools would. pdftotext
places Thai marks by their drawn x position, so in -layout mode a tone mark can land
after the next consonant or even on the next line, and SARA AM comes out with a space
after it. Comparisons therefore use a "skeleton": base letters only, no whitespace.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from fpdf import FPDF

from prachum.letters import InvitationLetter, render_invitation_pdf
from prachum.letters import fonts as fonts_module
from prachum.letters.fonts import DEBIAN_PACKAGE, FontMissingError, find_laksaman
from prachum.letters.invitation import FONT, FONT_SIZE, _wrap

REPO = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    # CI images install poppler-utils and the font; a missing tool there is a broken
    # image, not a reason to go green without checking anything.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)")
    pytest.skip(reason)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        _unavailable(f"{name} not found; install poppler-utils")
    assert path is not None
    return path


@pytest.fixture(autouse=True)
def _laksaman_installed() -> None:
    try:
        find_laksaman()
    except FontMissingError as error:
        _unavailable(str(error))


def golden_letter() -> InvitationLetter:
    return InvitationLetter(
        letter_number="มท 0210.5/123",
        agency_name="สำนักงานปลัดกระทรวงมหาดไทย",
        agency_address="ถนนอัษฎางค์ แขวงวังบูรพาภิรมย์\nเขตพระนคร กรุงเทพฯ 10200",
        letter_date_text="20 พฤศจิกายน 2569",
        subject="ขอเชิญประชุมคณะกรรมการพัฒนาระบบราชการ ครั้งที่ 1/2569",
        addressee="กรรมการพัฒนาระบบราชการ",
        references=("หนังสือสำนักงานปลัดกระทรวงมหาดไทย ที่ มท 0210.5/99",),
        enclosures=("ระเบียบวาระการประชุม", "คู่มือการเข้าร่วมประชุม"),
        body_paragraphs=(
            "ด้วยคณะกรรมการพัฒนาระบบราชการกำหนดให้มีการประชุม ครั้งที่ 1/2569 "
            "ในวันศุกร์ที่ 27 พฤศจิกายน 2569 เวลา 10.00 น. ผ่านสื่ออิเล็กทรอนิกส์ "
            "ตามพระราชกำหนดว่าด้วยการประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563",
            "ท่านสามารถเข้าร่วมประชุมได้ที่ https://prachum.example.go.th/m/7Qx2 "
            "โดยยืนยันตัวตนด้วยรหัสผ่านใช้ครั้งเดียว (OTP) ทางโทรศัพท์เคลื่อนที่ "
            "หากเข้าระบบไม่ได้ โปรดโทรศัพท์ถึงฝ่ายเลขานุการ เพื่อเข้าร่วมทางช่องทางสำรอง",
            "จึงเรียนมาเพื่อโปรดเข้าร่วมประชุมตามวัน เวลา และช่องทางดังกล่าว",
        ),
        signer_name="นายสมชาย ใจดี",
        signer_position="ผู้อำนวยการกองการเจ้าหน้าที่\nเลขานุการคณะกรรมการ",
        contact_unit="กองการเจ้าหน้าที่",
        contact_phone="0 2222 1141 ต่อ 50210",
        contact_email="saraban@moi.go.th",
    )


# In the order the Saraban form prescribes.
GOLDEN_ORDER = (
    "ที่ มท 0210.5/123",
    "สำนักงานปลัดกระทรวงมหาดไทย",
    "20 พฤศจิกายน 2569",
    "เรื่อง ขอเชิญประชุมคณะกรรมการพัฒนาระบบราชการ",
    "เรียน กรรมการพัฒนาระบบราชการ",
    "อ้างถึง หนังสือสำนักงานปลัดกระทรวงมหาดไทย",
    "สิ่งที่ส่งมาด้วย",
    "1. ระเบียบวาระการประชุม",
    "2. คู่มือการเข้าร่วมประชุม",
    "27 พฤศจิกายน 2569",
    "เวลา 10.00 น.",
    "ผ่านสื่ออิเล็กทรอนิกส์",
    "https://prachum.example.go.th/m/7Qx2",
    "จึงเรียนมาเพื่อโปรดเข้าร่วมประชุม",
    "ขอแสดงความนับถือ",
    "(นายสมชาย ใจดี)",
    "ผู้อำนวยการกองการเจ้าหน้าที่",
    "กองการเจ้าหน้าที่",
    "โทร. 0 2222 1141 ต่อ 50210",
    "saraban@moi.go.th",
)


def skeleton(text: str) -> str:
    """Base letters only: NFKD splits SARA AM, then marks, spaces and ZWSP go."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not ch.isspace() and unicodedata.category(ch) not in {"Mn", "Cf"}
    )


def pdftotext(pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    cmd = [_tool("pdftotext"), "-enc", "UTF-8", *options, str(path), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def pdf_tool(name: str, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    cmd = [_tool(name), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def assert_in_order(text: str, needles: tuple[str, ...]) -> None:
    haystack = skeleton(text)
    position = 0
    for needle in needles:
        found = haystack.find(skeleton(needle), position)
        assert found >= 0, f"{needle!r} missing after position {position}:\n{text}"
        position = found + len(skeleton(needle))


@pytest.mark.parametrize("mode", [("-layout",), ()], ids=["layout", "plain"])
def test_fields_appear_in_saraban_order(tmp_path: Path, mode: tuple[str, ...]) -> None:
    text = pdftotext(render_invitation_pdf(golden_letter()), tmp_path, *mode)

    assert_in_order(text, GOLDEN_ORDER)


def test_raw_text_keeps_thai_words_whole(tmp_path: Path) -> None:
    # -raw follows the content stream, so marks stay with their consonants (plain and
    # -layout sort glyphs by x and can move a tone mark past the next consonant).
    # Poppler still adds a space after SARA AM (HarfBuzz draws it as two glyphs) and
    # after a tone mark shifted left over a tall consonant (ฝ่): squeeze those out.
    text = pdftotext(render_invitation_pdf(golden_letter()), tmp_path, "-raw")
    joined = " ".join(text.replace("ำ ", "ำ").replace("ฝ่ ", "ฝ่").split())

    assert "ครั้งที่ 1/2569 ในวันศุกร์ที่ 27 พฤศจิกายน 2569 เวลา 10.00 น." in joined
    assert "ผ่านสื่ออิเล็กทรอนิกส์" in joined
    assert "สิ่งที่ส่งมาด้วย 1. ระเบียบวาระการประชุม" in joined
    assert "ขอแสดงความนับถือ (นายสมชาย ใจดี) ผู้อำนวยการกองการเจ้าหน้าที่" in joined
    assert "\u200b" not in text  # line breaking adds no zero-width spaces


def test_embeds_laksaman_subset(tmp_path: Path) -> None:
    letter = replace(golden_letter(), urgency="ด่วนที่สุด", secrecy="ลับ")
    fonts = pdf_tool("pdffonts", render_invitation_pdf(letter), tmp_path)

    # name, type, encoding, then emb / sub / uni all "yes": embedded, subset, and with a
    # ToUnicode map so the Thai text can be extracted.
    assert re.search(r"^\w{6}\+Laksaman\s.*\byes\s+yes\s+yes\b", fonts, re.M), fonts
    assert re.search(r"^\w{6}\+LaksamanBold\s.*\byes\s+yes\s+yes\b", fonts, re.M), fonts
    rows = fonts.splitlines()[2:]  # after the header and the dashes
    assert len(rows) == 2, fonts  # regular and bold, no fallback font


def test_urgency_and_secrecy_marks_are_printed(tmp_path: Path) -> None:
    letter = replace(golden_letter(), urgency="ด่วนที่สุด", secrecy="ลับ")
    text = pdftotext(render_invitation_pdf(letter), tmp_path, "-layout")

    assert_in_order(text, ("ลับ", "ด่วนที่สุด", "ที่ มท 0210.5/123", "ขอแสดงความนับถือ"))
    assert skeleton(text).endswith(skeleton("ลับ"))  # bottom of the page too


def test_same_letter_gives_same_bytes() -> None:
    assert render_invitation_pdf(golden_letter()) == render_invitation_pdf(
        golden_letter()
    )


def test_same_bytes_across_processes() -> None:
    # The evidence chain hashes the bytes; string hashing is randomised per process,
    # so any set/dict-order dependence in the writer would show up here.
    expected = hashlib.sha256(render_invitation_pdf(golden_letter())).hexdigest()
    script = (
        "import hashlib\n"
        "from prachum.letters import render_invitation_pdf\n"
        "from tests.letters.test_invitation_pdf import golden_letter\n"
        "print(hashlib.sha256(render_invitation_pdf(golden_letter())).hexdigest())\n"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.strip() == expected


@pytest.mark.parametrize(
    "change",
    [
        {"letter_date_text": "21 พฤศจิกายน 2569"},
        {"signer_name": "นางสมศรี ใจดี"},
        {"enclosures": ()},
    ],
)
def test_different_letter_gives_different_bytes(change: dict[str, object]) -> None:
    changed = replace(golden_letter(), **change)  # type: ignore[arg-type]

    assert render_invitation_pdf(changed) != render_invitation_pdf(golden_letter())


def test_short_letter_is_one_page(tmp_path: Path) -> None:
    info = pdf_tool("pdfinfo", render_invitation_pdf(golden_letter()), tmp_path)

    assert re.search(r"^Pages:\s+1$", info, re.M), info


def test_long_body_flows_to_a_numbered_second_page(tmp_path: Path) -> None:
    base = golden_letter()
    middle = base.body_paragraphs[1]
    letter = replace(
        base,
        body_paragraphs=(
            *base.body_paragraphs[:-1],
            *[middle] * 5,
            base.body_paragraphs[-1],
        ),
    )
    pdf = render_invitation_pdf(letter)

    assert re.search(r"^Pages:\s+2$", pdf_tool("pdfinfo", pdf, tmp_path), re.M)
    page2 = pdftotext(pdf, tmp_path, "-layout", "-f", "2", "-l", "2")
    # Page 2 is numbered, and carries the closing paragraph with the signature.
    assert_in_order(page2, ("- 2 -", "จึงเรียนมาเพื่อ", "ขอแสดงความนับถือ", "(นายสมชาย ใจดี)"))


def test_many_enclosures_flow_to_a_second_page(tmp_path: Path) -> None:
    enclosures = tuple(f"เอกสารประกอบวาระที่ {n}" for n in range(1, 41))
    pdf = render_invitation_pdf(replace(golden_letter(), enclosures=enclosures))

    assert re.search(r"^Pages:\s+2$", pdf_tool("pdfinfo", pdf, tmp_path), re.M)
    assert_in_order(pdftotext(pdf, tmp_path, "-layout"), ("1. เอกสาร", "40. เอกสาร"))


@pytest.fixture
def measuring_pdf() -> FPDF:
    fonts = find_laksaman()
    pdf = FPDF(format="A4")
    pdf.add_font(FONT, "", str(fonts.regular))
    pdf.set_text_shaping(True)
    pdf.set_font(FONT, "", FONT_SIZE)
    return pdf


def test_wrap_breaks_thai_between_words_only(measuring_pdf: FPDF) -> None:
    text = "คณะกรรมการพัฒนาระบบราชการกำหนดให้มีการประชุมผ่านสื่ออิเล็กทรอนิกส์" * 3
    width = 60.0

    lines = _wrap(measuring_pdf, text, width)

    assert len(lines) > 3
    assert "".join(lines) == text  # nothing lost, nothing added (no hyphen, no ZWSP)
    for line in lines:
        assert measuring_pdf.get_string_width(line) <= width
        # A line never starts with a mark or a following vowel torn from its consonant.
        assert unicodedata.category(line[0]) != "Mn"
        assert line[0] not in "ะาำๆฯ"


def test_wrap_keeps_numbers_whole_and_cuts_overlong_urls(measuring_pdf: FPDF) -> None:
    url = "https://prachum.example.go.th/" + "a" * 80
    lines = _wrap(measuring_pdf, f"ครั้งที่ 1/2569 เวลา 10.00 น. {url}", 40.0)

    # The tokenizer splits "1/2569" into "1" + "/2569"; neither is a break point.
    assert any("1/2569" in line for line in lines), lines
    assert any("10.00" in line for line in lines), lines
    assert "".join(lines).endswith(url)  # cut where it must be, nothing inserted
    assert all(measuring_pdf.get_string_width(line) <= 40.0 for line in lines)


def test_first_indent_narrows_only_the_first_line(measuring_pdf: FPDF) -> None:
    text = "ด้วยคณะกรรมการกำหนดให้มีการประชุม " * 8
    lines = _wrap(measuring_pdf, text, 100.0, first_indent=25.0)

    assert measuring_pdf.get_string_width(lines[0]) <= 75.0
    assert max(measuring_pdf.get_string_width(line) for line in lines[1:]) > 75.0


def test_unknown_marks_are_rejected() -> None:
    with pytest.raises(ValueError, match="urgency"):
        replace(golden_letter(), urgency="ด่วนพิเศษ")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="secrecy"):
        replace(golden_letter(), secrecy="ปกปิด")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="body"):
        replace(golden_letter(), body_paragraphs=())


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    find_laksaman.cache_clear()
    monkeypatch.setattr(fonts_module, "FONT_DIRS", ())
    monkeypatch.setattr(fonts_module.shutil, "which", lambda _name: None)
    try:
        with pytest.raises(FontMissingError, match=DEBIAN_PACKAGE):
            find_laksaman()
    finally:
        find_laksaman.cache_clear()


def test_font_found_through_fontconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("fc-match") is None:
        _unavailable("fc-match not found; install fontconfig")
    find_laksaman.cache_clear()
    monkeypatch.setattr(fonts_module, "FONT_DIRS", ())
    try:
        found = find_laksaman()
    finally:
        find_laksaman.cache_clear()

    assert found.regular.name == "Laksaman.ttf"
    assert found.bold.name == "Laksaman-Bold.ttf"


def test_module_does_not_import_django() -> None:
    script = (
        "import sys, prachum.letters\n"
        "leaked = [m for m in sys.modules if m.split('.')[0] == 'django']\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True)
