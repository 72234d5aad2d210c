"""Render a meeting's agenda (ระเบียบวาระการประชุม) as a PDF, enclosure 1 of the notice.

Set as the letters are (:func:`prachum.letters.invitation.new_letter_pdf`): the
heading centred (the body's name, the meeting's number, day, time and place), then the
items in order, วาระที่ 1 to 5 in bold with their sub-items (4.1, 4.2 ...) indented
under them. The caller formats every value; every digit is put in the agency's one
system here (R67). No Django: services call it with plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf.enums import Align, XPos, YPos

from prachum.domain.thai_dates import official_digits
from prachum.letters.invitation import (
    BLOCK_GAP,
    FONT,
    FONT_SIZE,
    LEFT,
    LINE_H,
    PAGE_W,
    RIGHT,
    _ensure_room,
    _LetterPDF,
    _wrap,
    new_letter_pdf,
)

TITLE = "ระเบียบวาระการประชุม"
ITEM = "ระเบียบวาระที่"
SUB_INDENT = 12.0  # sub-items stand under their item's title


@dataclass(frozen=True)
class AgendaLine:
    number: str  # "1", "4.1"
    title: str
    depth: int  # 0: วาระที่ 1..5; 1: a sub-item


@dataclass(frozen=True)
class AgendaDocument:
    meeting_name: str  # "การประชุมคณะกรรมการ... ครั้งที่ 1/2569"
    when: str  # "วันที่ 27 พฤศจิกายน 2569 เวลา 10.00 - 12.00 น."
    place: str  # "ณ ห้องประชุม ..."
    items: tuple[AgendaLine, ...]
    thai_digits: bool = False


def _write(
    pdf: _LetterPDF,
    text: str,
    *,
    x: float = LEFT,
    bold: bool = False,
    align: Align = Align.L,
    hanging: float = 0.0,
) -> None:
    """Wrapped lines from ``x``; continuation lines start ``hanging`` further right."""
    text = official_digits(text, thai_digits=bool(pdf.thai_digits))
    pdf.set_font(FONT, "B" if bold else "", FONT_SIZE)
    width = PAGE_W - RIGHT - x
    first, *rest = _wrap(pdf, text, width - hanging) or [""]
    for index, line in enumerate([first, *rest]):
        _ensure_room(pdf, LINE_H)
        indent = hanging if index else 0.0
        pdf.set_x(x + indent)
        pdf.cell(
            width - indent,
            LINE_H,
            line,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def render_agenda_pdf(doc: AgendaDocument) -> bytes:
    """The agenda on A4; same agenda, same bytes."""
    pdf = new_letter_pdf(TITLE, digits=doc.thai_digits)
    pdf.add_page()
    _write(pdf, TITLE, bold=True, align=Align.C)
    for line in (doc.meeting_name, doc.when, doc.place):
        _write(pdf, line, align=Align.C)
    pdf.set_y(pdf.get_y() + BLOCK_GAP)
    _write(pdf, "-" * 40, align=Align.C)
    for item in doc.items:
        if item.depth == 0:
            pdf.set_y(pdf.get_y() + 2 * BLOCK_GAP)
            _ensure_room(pdf, 2 * LINE_H)  # an item's heading keeps its first sub-item
            label = f"{ITEM} {item.number}"
            pdf.set_font(FONT, "B", FONT_SIZE)
            hanging = pdf.get_string_width(
                official_digits(label, thai_digits=bool(pdf.thai_digits)) + "  "
            )
            _write(pdf, f"{label}  {item.title}", bold=True, hanging=hanging)
        else:
            pdf.set_font(FONT, "", FONT_SIZE)
            label = f"{item.number} "
            hanging = pdf.get_string_width(
                official_digits(label, thai_digits=bool(pdf.thai_digits)) + " "
            )
            _write(pdf, f"{label} {item.title}", x=LEFT + SUB_INDENT, hanging=hanging)
    return bytes(pdf.output())
