"""Render a minutes version's content as a Word document (DOCX), same fields and order.

The font is named "TH Sarabun New" (the Cabinet's 2010 government face) for Latin and
complex-script (Thai) runs; where it is not installed, word processors substitute, and
Laksaman (TLWG's free rendition of the same design, the face the PDF embeds) is the
closest fallback. The DOCX is the secretary's editable copy; the PDF and the JSON are
the record.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from prachum.domain.thai_dates import official_digits
from prachum.minutes import wording
from prachum.minutes.pdf import absent_line, item_body_lines, person_line

FONT_NAME = "TH Sarabun New"
FALLBACK_FONT = "Laksaman"
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


def render_minutes_docx(
    content: dict[str, Any], approval: dict[str, Any] | None = None
) -> bytes:
    """Same fields as the PDF; ``approval`` as for
    :func:`prachum.minutes.pdf.render_minutes_pdf` (without it: a draft)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    style = document.styles["Normal"]
    style.font.name = FONT_NAME
    style.font.size = Pt(16)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT_NAME)
    size_cs = OxmlElement("w:szCs")  # Thai runs are complex script: their own size
    size_cs.set(qn("w:val"), "32")
    style.element.get_or_add_rPr().append(size_cs)
    props = document.core_properties
    props.title = content["title"]
    props.author = "Prachum"
    props.comments = f"font: {FONT_NAME}; fallback: {FALLBACK_FONT}"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.language = "th-TH"
    thai = content.get("thai_digits")

    def para(
        text: str, *, bold: bool = False, centre: bool = False, indent: bool = False
    ) -> None:
        if thai is not None:  # every digit in the agency's one system (R67)
            text = official_digits(text, thai_digits=thai)
        p = document.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        run.font.cs_bold = bold
        if centre:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if indent:
            p.paragraph_format.left_indent = Cm(1.0)

    para(content["title"], bold=True, centre=True)
    for key in ("number", "date", "place"):
        para(content[key], centre=True)
    if approval is None or not approval["approved"]:
        mark = approval["mark"] if approval else wording.DRAFT_MARK
        para(f"({mark})", bold=True, centre=True)
    para(wording.PRESENT, bold=True)
    for n, p in enumerate(content["present"], start=1):
        para(person_line(n, p), indent=True)
    para(wording.ABSENT, bold=True)
    for n, p in enumerate(content["absent"], start=1):
        para(absent_line(n, p), indent=True)
    para(wording.ATTENDING, bold=True)
    for n, p in enumerate(content["attending"], start=1):
        para(person_line(n, p), indent=True)
    para(f"{wording.OPENED} {content['opened_at']}", bold=True)
    for item in content["items"]:
        para(f"{wording.AGENDA_ITEM} {item['number']}  {item['title']}", bold=True)
        for line in item_body_lines(item):
            para(line, indent=True)
    if content["incidents"]:
        para(wording.INCIDENTS, bold=True)
        for line in content["incidents"]:
            para(line, indent=True)
    para(f"{wording.CLOSED} {content['closed_at']}", bold=True)
    recorder = content["recorder"]
    for line in ("", f"({recorder['name']})", recorder["title"], wording.RECORDER):
        para(line, centre=True)
    _approval_and_annex(document, content, approval, para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _approval_and_annex(
    document: Any,
    content: dict[str, Any],
    approval: dict[str, Any] | None,
    para: Callable[..., None],
) -> None:
    """The approval block (R54, R55) and the technical annex on its own page (R42)."""
    if approval is not None and approval["approved"]:
        para(approval["heading"], bold=True)
        para(approval["method"], indent=True)
        if approval["approvers"]:
            para(wording.CIRCULATION_APPROVERS, indent=True)
            for line in approval["approvers"]:
                para(line, indent=True)
        for line in ("", *approval["signature"]):
            para(line, centre=True)
    technical = content.get("technical") or []
    if technical:
        document.add_page_break()
        para(wording.TECHNICAL_ANNEX, bold=True, centre=True)
        para(wording.TECHNICAL_NOTE, centre=True)
        for line in technical:
            para(line, indent=True)
