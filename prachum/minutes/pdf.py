"""Render a minutes version's content as an A4 PDF in the Saraban form's order.

Reuses the invitation letter's Thai layout: Laksaman (TH Sarabun New's free rendition)
with HarfBuzz shaping, line breaking at Thai word boundaries, continuation pages
numbered "- 2 -", and a fixed creation date so the same content gives the same bytes.
The content is already display text (see ``prachum.minutes.selectors``).
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from prachum.archive.timeline import meeting_timeline
from prachum.archive.timeline_svg import render_timeline_svg
from prachum.domain.thai_dates import official_digits
from prachum.letters.fonts import find_laksaman
from prachum.letters.invitation import (
    BLOCK_GAP,
    FIXED_CREATION_DATE,
    FONT,
    FONT_SIZE,
    LEFT,
    LINE_H,
    PAGE_W,
    RIGHT,
    SIGNATURE_SPACE,
    TOP,
    _ensure_room,
    _LetterPDF,
    _wrap,
)
from prachum.meetings.models import Meeting
from prachum.minutes import wording

INDENT = 10.0
WIDTH = PAGE_W - LEFT - RIGHT


def _lines(
    pdf: FPDF,
    text: str,
    *,
    x: float = LEFT,
    bold: bool = False,
    align: Align = Align.L,
    first_indent: float = 0.0,
) -> None:
    if isinstance(pdf, _LetterPDF) and pdf.thai_digits is not None:
        text = official_digits(text, thai_digits=pdf.thai_digits)  # R67
    pdf.set_font(FONT, "B" if bold else "", FONT_SIZE)
    width = PAGE_W - RIGHT - x
    for index, line in enumerate(_wrap(pdf, text, width, first_indent)):
        _ensure_room(pdf, LINE_H)
        indent = first_indent if index == 0 else 0.0
        pdf.set_x(x + indent)
        pdf.cell(
            width - indent,
            LINE_H,
            line,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def _gap(pdf: FPDF) -> None:
    pdf.set_y(pdf.get_y() + BLOCK_GAP)


def _heading(pdf: FPDF, text: str) -> None:
    _gap(pdf)
    _ensure_room(pdf, 2 * LINE_H)  # a heading is not left alone at a page's foot
    _lines(pdf, text, bold=True)


def _who(number: int, person: dict[str, Any]) -> str:
    """Name, position in the committee (ตำแหน่ง) when the roster gives one, role."""
    position = person.get("position")
    middle = f"  {position}" if position else ""
    return f"{number}. {person['name']}{middle}  {person['title']}"


def person_line(number: int, person: dict[str, Any]) -> str:
    line = _who(number, person)
    details = [d for d in (person.get("attendance"), person.get("identity")) if d]
    if details:
        line += f" ({'; '.join(details)})"
    return line


def absent_line(number: int, person: dict[str, Any]) -> str:
    reason = person.get("reason") or wording.NO_REASON
    return f"{_who(number, person)}  {reason}"


def _people(pdf: FPDF, label: str, lines: list[str]) -> None:
    _heading(pdf, label)
    for line in lines or [wording.NOT_HELD]:
        _lines(pdf, line, x=LEFT + INDENT)


def render_minutes_pdf(
    content: dict[str, Any], approval: dict[str, Any] | None = None
) -> bytes:
    """The eleven fields in order; same content and approval, same bytes.

    ``approval`` is :func:`prachum.minutes.approval_block.approval_block` of the
    version; without it the document is marked as a draft."""
    fonts = find_laksaman()
    # Every digit in the agency's one system (R67), when the content records it.
    pdf = _LetterPDF(None, content.get("thai_digits"))
    pdf.add_font(FONT, "", str(fonts.regular))
    pdf.add_font(FONT, "B", str(fonts.bold))
    pdf.set_text_shaping(True)
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.set_title(content["title"])
    pdf.set_lang("th")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    # (1)-(4): name, number, date, place, centred.
    _lines(pdf, content["title"], bold=True, align=Align.C)
    for key in ("number", "date", "place"):
        _lines(pdf, content[key], align=Align.C)
    draft_mark(pdf, approval)
    # (5)-(7): who came, who did not, who else took part.
    _people(
        pdf,
        wording.PRESENT,
        [person_line(n, p) for n, p in enumerate(content["present"], start=1)],
    )
    _people(
        pdf,
        wording.ABSENT,
        [absent_line(n, p) for n, p in enumerate(content["absent"], start=1)],
    )
    _people(
        pdf,
        wording.ATTENDING,
        [person_line(n, p) for n, p in enumerate(content["attending"], start=1)],
    )
    # (8) opening time.
    _heading(pdf, f"{wording.OPENED} {content['opened_at']}")
    # (9) the body, item by item.
    for item in content["items"]:
        _heading(pdf, f"{wording.AGENDA_ITEM} {item['number']}  {item['title']}")
        for line in item_body_lines(item):
            _lines(pdf, line, x=LEFT + INDENT)
    if content["incidents"]:
        _heading(pdf, wording.INCIDENTS)
        for line in content["incidents"]:
            _lines(pdf, line, x=LEFT + INDENT)
    # (10) closing time, (11) the recorder's signature block on the right.
    _heading(pdf, f"{wording.CLOSED} {content['closed_at']}")
    recorder = content["recorder"]
    _signature(pdf, [f"({recorder['name']})", recorder["title"], wording.RECORDER])
    approval_section(pdf, approval)
    _timeline_annex(pdf, content)
    technical_annex(pdf, content)
    return bytes(pdf.output())


def _signature(pdf: FPDF, block: list[str]) -> None:
    """A signature block on the right half: name in brackets, position, capacity."""
    _ensure_room(pdf, SIGNATURE_SPACE + LINE_H * len(block))
    pdf.set_y(pdf.get_y() + SIGNATURE_SPACE)
    sig_x = PAGE_W / 2
    pdf.set_font(FONT, "", FONT_SIZE)
    for line in block:
        if isinstance(pdf, _LetterPDF) and pdf.thai_digits is not None:
            line = official_digits(line, thai_digits=pdf.thai_digits)  # R67
        pdf.set_x(sig_x)
        pdf.cell(
            PAGE_W - RIGHT - sig_x,
            LINE_H,
            line,
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def draft_mark(pdf: FPDF, approval: dict[str, Any] | None) -> None:
    """Under the heading of an unapproved version: "ร่าง ยังไม่ได้รับรอง..." (R54)."""
    if approval is None or not approval["approved"]:
        mark = approval["mark"] if approval else wording.DRAFT_MARK
        _lines(pdf, f"({mark})", bold=True, align=Align.C)


def approval_section(pdf: FPDF, approval: dict[str, Any] | None) -> None:
    """After the recorder: the method and date of approval, the approvers by
    circulation, and the approver's signature block (R54, R55)."""
    if approval is None or not approval["approved"]:
        return
    _heading(pdf, approval["heading"])
    _lines(pdf, approval["method"], x=LEFT + INDENT)
    if approval["approvers"]:
        _lines(pdf, wording.CIRCULATION_APPROVERS, x=LEFT + INDENT)
        for line in approval["approvers"]:
            _lines(pdf, line, x=LEFT + 2 * INDENT)
    _signature(pdf, approval["signature"])


def technical_annex(pdf: FPDF, content: dict[str, Any]) -> None:
    """A last page with the incidents as the system stored them (R42): error text and
    server names stay out of the body of the minutes."""
    technical = content.get("technical") or []
    if not technical:
        return
    pdf.add_page()
    _lines(pdf, wording.TECHNICAL_ANNEX, bold=True, align=Align.C)
    _lines(pdf, wording.TECHNICAL_NOTE, align=Align.C)
    _gap(pdf)
    for line in technical:
        _lines(pdf, line, x=LEFT + INDENT)


def _timeline_annex(pdf: FPDF, content: dict[str, Any]) -> None:
    """Annex: the attendance-and-quorum timeline drawn from the meeting's record (who
    was present when, the quorum line, votes and incidents; issue 14 point 4). The
    record of a closed meeting no longer changes: same record, same bytes."""
    meeting_id = content.get("meeting")
    meeting = Meeting.objects.filter(pk=str(meeting_id)).first() if meeting_id else None
    if meeting is None:
        return
    timeline = meeting_timeline(meeting=meeting)
    if timeline.is_empty:
        return
    with translation.override("th"):
        heading = _("Annex: attendance and quorum timeline")
        svg = render_timeline_svg(timeline, title=heading)
    pdf.add_page(orientation="L")  # a wide picture: the annex page is landscape
    pdf.set_font(FONT, "B", FONT_SIZE)
    pdf.cell(0, LINE_H, heading, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + BLOCK_GAP
    width = pdf.w - LEFT - RIGHT
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    ratio = int(size[2]) / int(size[1]) if size else 0.5
    height = min(width * ratio, pdf.h - top - TOP)
    pdf.image(io.BytesIO(svg.encode()), x=LEFT, y=top, h=height)


def item_body_lines(item: dict[str, Any]) -> list[str]:
    """An item's body as printed lines, shared by the PDF and the DOCX."""
    lines: list[str] = []
    if item["gap"]:
        lines.append(item["gap"])
    if item["discussion"]:
        lines.extend(p for p in item["discussion"].split("\n") if p.strip())
    if item["recusals"]:
        lines.append(f"{wording.RECUSAL}: {', '.join(item['recusals'])}")
    for vote in item["votes"]:
        lines.append(f"{vote['heading']}: {vote['question']}")
        lines.extend(f"- {line}" for line in vote["lines"])
    if item["resolution"]:
        lines.append(f"{wording.RESOLUTION} {item['resolution']}")
    for dissent in item["dissents"]:
        lines.append(f"{wording.DISSENT} ({dissent['name']}): {dissent['opinion']}")
    return lines
