"""Render a meeting invitation as a Thai external letter (หนังสือภายนอก) in PDF.

The layout follows ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. 2526 ข้อ 11 and its
appendix form: Garuda at the top centre, ที่ left and the agency right on the Garuda's
bottom line, then date, เรื่อง, เรียน, อ้างถึง, สิ่งที่ส่งมาด้วย, the body, the closing and
signature, and the owning unit's contact lines at the bottom left.

The bytes are deterministic for a given letter (fixed creation date, no random ids),
because the evidence chain stores the SHA-256 of exactly what was sent. They are stable
only for one fpdf2/pythainlp/font version: store the bytes, never re-render to verify.

The caller formats every date and number; this module only lays text out, and puts
every digit it prints (the letter's own text, enclosure numbers, page numbers) into the
one system the agency chose (:func:`prachum.domain.thai_dates.official_digits`, R67).
It must not import Django: services call it with plain data.
"""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, get_args

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from prachum.domain.thai_dates import official_digits
from prachum.letters.fonts import find_laksaman

Urgency = Literal["ด่วนที่สุด", "ด่วนมาก", "ด่วน"]
# ชั้นความลับ under ระเบียบว่าด้วยการรักษาความลับของทางราชการ พ.ศ. 2544.
Secrecy = Literal["ลับที่สุด", "ลับมาก", "ลับ"]

# Geometry in millimetres. Margins are the customary 3 cm left / 2 cm right of the
# Saraban form; the Garuda is 3 cm tall, 1.5 cm below the top edge.
PAGE_W: Final = 210.0
PAGE_H: Final = 297.0
LEFT: Final = 30.0
RIGHT: Final = 20.0
TOP: Final = 25.0  # continuation pages
BOTTOM: Final = 20.0
# The Garuda is printed 3 cm high, centred; its width follows the image's proportions.
GARUDA_BOX: Final = (PAGE_W / 2 - 15.0, 15.0, 30.0, 30.0)  # x, y, w, h
AGENCY_X: Final = 120.0  # the agency block runs from here to the right margin
CENTRE_COLUMN_X: Final = 100.0  # date and closing start here, near the page centre
BODY_INDENT: Final = 25.0  # first line of each body paragraph (2.5 cm)

FONT: Final = "Laksaman"
# Sizes are the TH Sarabun point sizes agencies type (16 pt text, 32 pt urgency stamp).
# Laksaman is TH Sarabun New with glyphs scaled up to match Latin fonts; TLWG's own
# fontconfig rule (89-tlwg-laksaman-synthetic.conf) stands in for TH Sarabun with
# Laksaman scaled by 0.66, so we do the same.
SARABUN_SCALE: Final = 0.66
FONT_SIZE: Final = 16 * SARABUN_SCALE
MARK_SIZE: Final = 32 * SARABUN_SCALE
PT: Final = 25.4 / 72  # millimetres per point
# The font's own ascent + descent (1.957 em) is ~7.3 mm at this size: the same "single"
# spacing a word processor gives, with room for stacked marks (ปู่, ญี่).
LINE_H: Final = 7.0
BLOCK_GAP: Final = 2.0
SIGNATURE_SPACE: Final = 3 * LINE_H
RED: Final = (200, 0, 0)

# A fixed /CreationDate keeps the bytes reproducible; the moment of sending is recorded
# by the evidence chain, and the date of record is the one printed on the letter.
FIXED_CREATION_DATE: Final = datetime(2000, 1, 1, tzinfo=UTC)

_THAI_FIRST, _THAI_LAST = "\u0e00", "\u0e7f"
# Characters that may not begin a line: repetition/abbreviation marks and vowels that
# follow their consonant.
_NO_BREAK_BEFORE = frozenset("ๆฯะาำ")


@dataclass(frozen=True)
class InvitationLetter:
    """Fields of an external letter; every value is display text, already formatted."""

    letter_number: str  # ที่, e.g. "มท 0210.5/123"
    agency_name: str  # ส่วนราชการเจ้าของหนังสือ
    agency_address: str  # may contain "\n"
    letter_date_text: str  # "20 พฤศจิกายน 2569"
    subject: str  # เรื่อง
    addressee: str  # เรียน
    body_paragraphs: tuple[str, ...]
    signer_name: str  # printed in parentheses under the signature space
    signer_position: str  # may contain "\n" for several lines
    contact_unit: str  # ส่วนราชการเจ้าของเรื่อง
    contact_phone: str
    contact_email: str
    references: tuple[str, ...] = ()  # อ้างถึง
    enclosures: tuple[str, ...] = ()  # สิ่งที่ส่งมาด้วย
    closing: str = "ขอแสดงความนับถือ"
    urgency: Urgency | None = None
    secrecy: Secrecy | None = None
    garuda: bytes = b""  # the agency's emblem, PNG or JPEG; empty: none printed
    thai_digits: bool = False  # the agency's option (R67)

    def __post_init__(self) -> None:
        # Callers pass strings from the database, so the Literal types are checked here
        # too: a mistyped mark on an official letter must not be printed silently.
        if self.urgency is not None and self.urgency not in get_args(Urgency):
            raise ValueError(f"unknown urgency mark: {self.urgency!r}")
        if self.secrecy is not None and self.secrecy not in get_args(Secrecy):
            raise ValueError(f"unknown secrecy mark: {self.secrecy!r}")
        if not self.body_paragraphs:
            raise ValueError("an invitation needs at least one body paragraph")


def with_official_digits(letter: InvitationLetter) -> InvitationLetter:
    """``letter`` with every digit of its text in the agency's system (R67)."""
    changes: dict[str, object] = {}
    for field in dataclasses.fields(letter):
        value = getattr(letter, field.name)
        if isinstance(value, str):
            changes[field.name] = official_digits(value, thai_digits=letter.thai_digits)
        elif isinstance(value, tuple):
            changes[field.name] = tuple(
                official_digits(v, thai_digits=letter.thai_digits) for v in value
            )
    return dataclasses.replace(letter, **changes)  # type: ignore[arg-type]


class _LetterPDF(FPDF):
    def __init__(
        self, secrecy: Secrecy | None, thai_digits: bool | None = None
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.secrecy = secrecy
        # None: print digits as given (documents made before the option was recorded).
        self.thai_digits = thai_digits

    def header(self) -> None:
        # The secrecy mark goes at the top and bottom centre of every page; continuation
        # pages carry their number at the top centre ("- 2 -").
        if self.secrecy:
            self._mark(self.secrecy, 6.0)
        if self.page_no() > 1:
            self.set_font(FONT, "", FONT_SIZE)
            self.set_xy(LEFT, TOP - LINE_H)
            number = official_digits(
                str(self.page_no()), thai_digits=bool(self.thai_digits)
            )
            self.cell(PAGE_W - LEFT - RIGHT, LINE_H, f"- {number} -", align="C")
        self.set_xy(LEFT, TOP)

    def footer(self) -> None:
        if self.secrecy:
            self._mark(self.secrecy, PAGE_H - 6.0 - MARK_SIZE * PT)

    def _mark(self, text: str, y: float) -> None:
        self.set_font(FONT, "B", MARK_SIZE)
        self.set_text_color(*RED)
        self.set_xy(LEFT, y)
        self.cell(PAGE_W - LEFT - RIGHT, MARK_SIZE * PT, text, align="C")
        self.set_text_color(0)


def render_invitation_pdf(letter: InvitationLetter) -> bytes:
    """Lay ``letter`` out on A4 and return the PDF bytes (same letter, same bytes)."""
    letter = with_official_digits(letter)
    pdf = new_letter_pdf(
        letter.subject, secrecy=letter.secrecy, digits=letter.thai_digits
    )
    pdf.add_page()

    _first_page_head(pdf, letter)
    _labelled(pdf, "เรื่อง", (letter.subject,))
    _labelled(pdf, "เรียน", (letter.addressee,))
    if letter.references:
        _labelled(pdf, "อ้างถึง", letter.references, letter.thai_digits)
    if letter.enclosures:
        _labelled(pdf, "สิ่งที่ส่งมาด้วย", letter.enclosures, letter.thai_digits)
    *paragraphs, last = letter.body_paragraphs
    for paragraph in paragraphs:
        _body_paragraph(pdf, paragraph)
    # The last paragraph (customarily "จึงเรียนมาเพื่อ...") stays on the page with the
    # closing and signature: a signature page with no text of the letter on it could be
    # detached and reused.
    pdf.set_font(FONT, "", FONT_SIZE)
    last_h = BLOCK_GAP + LINE_H * len(_wrap(pdf, last, _content_width(), BODY_INDENT))
    _ensure_room(pdf, last_h + _signature_block(pdf, letter).height)
    _body_paragraph(pdf, last)
    _closing_and_contact(pdf, letter)
    return bytes(pdf.output())


def new_letter_pdf(
    title: str, *, secrecy: Secrecy | None = None, digits: bool = False
) -> _LetterPDF:
    """An A4 document set up as the letters are: Laksaman with HarfBuzz shaping, the
    Saraban margins, a fixed creation date; no page yet."""
    fonts = find_laksaman()
    pdf = _LetterPDF(secrecy, digits)
    pdf.add_font(FONT, "", str(fonts.regular))
    pdf.add_font(FONT, "B", str(fonts.bold))
    # Thai above/below marks need OpenType positioning (GPOS mark-to-base), which fpdf2
    # applies only through HarfBuzz; without it tone marks collide with upper vowels.
    pdf.set_text_shaping(True)
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.set_title(title)
    pdf.set_lang("th")
    pdf.set_margins(LEFT, TOP, RIGHT)
    # We break pages ourselves so that labelled blocks keep their hanging indent and the
    # signature block is never separated from its closing.
    pdf.set_auto_page_break(False, margin=BOTTOM)
    return pdf


def _content_width() -> float:
    return PAGE_W - LEFT - RIGHT


def _first_page_head(pdf: FPDF, letter: InvitationLetter) -> None:
    pdf.set_font(FONT, "", FONT_SIZE)
    if letter.garuda:
        # Saraban Regulation ข้อ 11 and its appendix: the Garuda, 3 cm high, centred at
        # the top of the first page of an external letter.
        pdf.image(
            io.BytesIO(letter.garuda), x=Align.C, y=GARUDA_BOX[1], h=GARUDA_BOX[3]
        )
    if letter.urgency:
        # ชั้นความเร็ว: red, large, above ที่ at the top left.
        pdf.set_font(FONT, "B", MARK_SIZE)
        pdf.set_text_color(*RED)
        pdf.set_xy(LEFT, GARUDA_BOX[1] + 5.0)
        pdf.cell(h=MARK_SIZE * PT, text=letter.urgency)
        pdf.set_text_color(0)
        pdf.set_font(FONT, "", FONT_SIZE)
    # ที่ and the agency's first line sit on the Garuda's bottom line.
    top = GARUDA_BOX[1] + GARUDA_BOX[3] - LINE_H / 2
    pdf.set_xy(LEFT, top)
    pdf.cell(AGENCY_X - LEFT, LINE_H, f"ที่ {letter.letter_number}")
    agency = f"{letter.agency_name}\n{letter.agency_address}".strip()
    pdf.set_y(top)
    _text_block(pdf, AGENCY_X, PAGE_W - RIGHT - AGENCY_X, agency)
    pdf.set_y(pdf.get_y() + BLOCK_GAP)
    date_width = PAGE_W - RIGHT - CENTRE_COLUMN_X
    _text_block(pdf, CENTRE_COLUMN_X, date_width, letter.letter_date_text)


def _labelled(
    pdf: FPDF, label: str, values: Sequence[str], thai_digits: bool = False
) -> None:
    """A label at the margin with its value(s) hanging after it, numbered if several."""
    pdf.set_y(pdf.get_y() + BLOCK_GAP)
    _ensure_room(pdf, LINE_H)
    pdf.set_font(FONT, "", FONT_SIZE)
    pdf.set_x(LEFT)
    pdf.cell(h=LINE_H, text=label)
    value_x = LEFT + pdf.get_string_width(label) + pdf.get_string_width("  ")
    width = PAGE_W - RIGHT - value_x
    for number, value in enumerate(values, start=1):
        ordinal = official_digits(str(number), thai_digits=thai_digits)
        text = f"{ordinal}. {value}" if len(values) > 1 else value
        _text_block(pdf, value_x, width, text)


@dataclass(frozen=True)
class _SignatureBlock:
    closing_w: float
    sig_x: float  # name and position are centred under the closing, as on the form
    sig_w: float
    position_lines: list[str]
    contact_lines: list[str]

    @property
    def height(self) -> float:
        """Closing, signing space, name, position, then the contact lines."""
        signature = LINE_H + SIGNATURE_SPACE + LINE_H * (1 + len(self.position_lines))
        return (
            2 * BLOCK_GAP + signature + 2 * BLOCK_GAP + LINE_H * len(self.contact_lines)
        )


def _signature_block(pdf: FPDF, letter: InvitationLetter) -> _SignatureBlock:
    pdf.set_font(FONT, "", FONT_SIZE)
    closing_w = pdf.get_string_width(letter.closing)
    centre = CENTRE_COLUMN_X + closing_w / 2
    sig_w = 2 * min(centre - LEFT, PAGE_W - RIGHT - centre)
    contact = (
        letter.contact_unit,
        f"โทร. {letter.contact_phone}",
        f"ไปรษณีย์อิเล็กทรอนิกส์ {letter.contact_email}",
    )
    return _SignatureBlock(
        closing_w=closing_w,
        sig_x=centre - sig_w / 2,
        sig_w=sig_w,
        position_lines=_wrap(pdf, letter.signer_position, sig_w),
        contact_lines=[ln for c in contact for ln in _wrap(pdf, c, _content_width())],
    )


def _closing_and_contact(pdf: FPDF, letter: InvitationLetter) -> None:
    block = _signature_block(pdf, letter)
    _ensure_room(pdf, block.height)
    pdf.set_font(FONT, "", FONT_SIZE)
    pdf.set_xy(CENTRE_COLUMN_X, pdf.get_y() + 2 * BLOCK_GAP)
    pdf.cell(
        block.closing_w, LINE_H, letter.closing, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_y(pdf.get_y() + SIGNATURE_SPACE)
    for line in (f"({letter.signer_name})", *block.position_lines):
        pdf.set_x(block.sig_x)
        pdf.cell(
            block.sig_w,
            LINE_H,
            line,
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    # The owning unit's contact lines sit at the bottom left of the last page.
    contact_h = LINE_H * len(block.contact_lines)
    pdf.set_y(max(pdf.get_y() + 2 * BLOCK_GAP, PAGE_H - BOTTOM - contact_h))
    for line in block.contact_lines:
        pdf.set_x(LEFT)
        pdf.cell(_content_width(), LINE_H, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _body_paragraph(pdf: FPDF, paragraph: str) -> None:
    pdf.set_y(pdf.get_y() + BLOCK_GAP)
    _text_block(pdf, LEFT, _content_width(), paragraph, first_indent=BODY_INDENT)


def _ensure_room(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > PAGE_H - BOTTOM:
        pdf.add_page()


def _text_block(
    pdf: FPDF, x: float, width: float, text: str, first_indent: float = 0.0
) -> None:
    """Write wrapped, left-aligned lines starting at the current y, breaking pages."""
    pdf.set_font(FONT, "", FONT_SIZE)
    for index, line in enumerate(_wrap(pdf, text, width, first_indent)):
        _ensure_room(pdf, LINE_H)
        indent = first_indent if index == 0 else 0.0
        pdf.set_x(x + indent)
        pdf.cell(width - indent, LINE_H, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


#: Widths of strings already measured, by font and size: a letter is laid out again
#: for every recipient and the greedy wrap below measures each growing line, so the
#: same strings come back (the same value fpdf2 would compute: layout is unchanged).
_WIDTHS: dict[tuple[str, str, float, float, float, str], float] = {}
_WIDTHS_MAX = 50_000


def _width(pdf: FPDF, text: str) -> float:
    key = (
        pdf.font_family,
        pdf.font_style,
        pdf.font_size_pt,
        pdf.font_stretching,
        pdf.char_spacing,
        text,
    )
    width = _WIDTHS.get(key)
    if width is None:
        if len(_WIDTHS) >= _WIDTHS_MAX:
            _WIDTHS.clear()
        width = _WIDTHS[key] = pdf.get_string_width(text)
    return width


def _wrap(pdf: FPDF, text: str, width: float, first_indent: float = 0.0) -> list[str]:
    """Greedy line breaking at Thai word boundaries and spaces.

    fpdf2's multi_cell breaks only at spaces, and Thai writes words without them: a
    long Thai clause would be cut at an arbitrary code point, even between a consonant
    and its tone mark. U+200B break hints would leak into the extracted text, so we
    wrap here and print each line with ``cell``.
    """
    lines: list[str] = []
    for hard_line in text.split("\n"):
        available = width - (first_indent if not lines else 0.0)
        current = ""
        for unit in _break_units(hard_line):
            if unit.isspace():
                current += unit if current else ""  # no leading spaces on a line
                continue
            if _width(pdf, current + unit) <= available:
                current += unit
                continue
            if current.strip():
                lines.append(current.rstrip())
                available = width
            # The unit starts a fresh line; cut it only if it is wider than a whole line
            # (a URL or an e-mail address, in practice).
            while _width(pdf, unit) > available:
                head, unit = _cut_to_fit(pdf, unit, available)
                lines.append(head)
                available = width
            current = unit
        lines.append(current.rstrip())
    return lines


def _break_units(text: str) -> list[str]:
    """Split ``text`` into pieces between which a line may break; spaces stand alone."""
    # pythainlp is heavy to import (~0.5 s, dictionary load), so only when rendering.
    from pythainlp.tokenize import word_tokenize

    tokens: list[str] = list(word_tokenize(text, engine="newmm", keep_whitespace=True))
    units: list[str] = []
    for token in tokens:
        if units and not _may_break(units[-1], token):
            units[-1] += token
        else:
            units.append(token)
    return units


def _may_break(before: str, after: str) -> bool:
    if before.isspace() or after.isspace():
        return True
    # Between two Thai words only: "1/2569", "10.00" or an e-mail address stay whole
    # even when the tokenizer splits them.
    return (
        _is_thai(before[-1])
        and _is_thai(after[0])
        and after[0] not in _NO_BREAK_BEFORE
        and unicodedata.category(after[0]) != "Mn"
    )


def _is_thai(char: str) -> bool:
    return _THAI_FIRST <= char <= _THAI_LAST


def _cut_to_fit(pdf: FPDF, unit: str, width: float) -> tuple[str, str]:
    """Split ``unit`` at the last character cluster that fits; always make progress."""
    clusters: list[str] = []
    for char in unit:
        # Combining marks (Thai vowels above/below, tone marks) stay with their base.
        if clusters and unicodedata.category(char) == "Mn":
            clusters[-1] += char
        else:
            clusters.append(char)
    cut = 1
    while cut < len(clusters) and _width(pdf, "".join(clusters[: cut + 1])) <= width:
        cut += 1
    return "".join(clusters[:cut]), "".join(clusters[cut:])
