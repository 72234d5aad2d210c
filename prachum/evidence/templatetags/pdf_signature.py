"""``{{ pdf_bytes|pdf_signature }}``: who signed a PDF the page offers, and when, read
from the PDF's own signature (issue 16 point 4, ADR 0022)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from prachum.domain.thai_dates import format_thai_datetime
from prachum.evidence.pdf_signing import DEMO_SUBJECT_CN
from prachum.verify.pdf_signatures import check_pdf_signature

register = template.Library()


@register.filter
def pdf_signature(data: Any) -> SafeString | str:
    if not data:
        return ""
    check = check_pdf_signature(bytes(data))
    if not check.signed:
        return ""
    if not (check.intact and check.valid and check.whole_file):
        return format_html(
            '<span class="error">{}</span>',
            _("The PDF's digital signature does not hold: it was changed."),
        )
    when = format_thai_datetime(check.signed_at) if check.signed_at else ""
    text = _("Digitally signed by %(signer)s, %(when)s") % {
        "signer": check.signer_name or check.signer,
        "when": when,
    }
    if check.signer_name == DEMO_SUBJECT_CN:
        text += " · " + _("demo certificate, not for official use")
    return format_html('<span class="muted pdf-signature">{}</span>', text)
