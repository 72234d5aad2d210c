"""Render a meeting's allowance payment list (บัญชีรายชื่อผู้รับเงินค่าเบี้ยประชุม) in PDF.

A4 landscape in Laksaman, set as the invitation letters are (fpdf2 with HarfBuzz
shaping, :func:`prachum.letters.fonts.find_laksaman`): one row per person with the
name, role, how they attended, the amount, the amount in Thai words and a column for
the payee's signature, then the total in figures and in words and the certifying
signatures. The caller formats every value; this module must not import Django.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from prachum.domain.thai_dates import official_digits
from prachum.letters.fonts import find_laksaman

FONT: Final = "Laksaman"
SARABUN_SCALE: Final = 0.66  # see prachum.letters.invitation
TITLE_SIZE: Final = 18 * SARABUN_SCALE
TEXT_SIZE: Final = 14 * SARABUN_SCALE
MARGIN: Final = 12.0
LINE_H: Final = 6.5
# No., name, role, how attended, amount, amount in words, signature (mm; 273 in all).
COL_WIDTHS: Final = (10, 55, 30, 50, 25, 63, 40)
FIXED_CREATION_DATE: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PaymentRow:
    name: str
    role: str
    attended: str
    amount: str  # "1,250.00"
    amount_words: str


@dataclass(frozen=True)
class PaymentList:
    title: str  # the document's heading
    subtitle: str  # the committee, meeting number and date
    headers: tuple[str, str, str, str, str, str, str]
    rows: Sequence[PaymentRow]
    total_label: str
    total: str
    total_words: str
    status_line: str  # "Draft - not confirmed" or who confirmed and when
    certify_lines: tuple[str, ...]  # the signature blocks under the table
    thai_digits: bool = False  # the agency's option: every digit in one system (R67)


def _in_digits(doc: PaymentList) -> PaymentList:
    def d(text: str) -> str:
        return official_digits(text, thai_digits=doc.thai_digits)

    return dataclasses.replace(
        doc,
        title=d(doc.title),
        subtitle=d(doc.subtitle),
        headers=tuple(d(h) for h in doc.headers),  # type: ignore[arg-type]
        rows=[
            PaymentRow(*(d(getattr(row, f.name)) for f in dataclasses.fields(row)))
            for row in doc.rows
        ],
        total_label=d(doc.total_label),
        total=d(doc.total),
        total_words=d(doc.total_words),
        status_line=d(doc.status_line),
        certify_lines=tuple(d(line) for line in doc.certify_lines),
    )


def render_payment_list_pdf(doc: PaymentList) -> bytes:
    doc = _in_digits(doc)
    fonts = find_laksaman()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(fonts.regular))
    pdf.add_font(FONT, "B", str(fonts.bold))
    pdf.set_text_shaping(True)
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.set_title(doc.title)
    pdf.set_lang("th")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    pdf.set_font(FONT, "B", TITLE_SIZE)
    pdf.multi_cell(
        width, LINE_H + 1, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "", TEXT_SIZE)
    pdf.multi_cell(
        width, LINE_H, doc.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.multi_cell(
        width, LINE_H, doc.status_line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(2)
    with pdf.table(
        col_widths=COL_WIDTHS,
        line_height=LINE_H,
        text_align=("CENTER", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
    ) as table:
        table.row(doc.headers)
        for number, row in enumerate(doc.rows, start=1):
            table.row(
                (
                    official_digits(str(number), thai_digits=doc.thai_digits),
                    row.name,
                    row.role,
                    row.attended,
                    row.amount,
                    row.amount_words,
                    "",
                )
            )
        total = table.row()
        total.cell(doc.total_label, colspan=4, align="RIGHT")
        total.cell(doc.total, align="RIGHT")
        total.cell(doc.total_words, colspan=2)
    pdf.ln(6)
    for line in doc.certify_lines:
        pdf.multi_cell(
            width, LINE_H, line, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    return bytes(pdf.output())
