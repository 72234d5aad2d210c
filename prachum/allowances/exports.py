"""The allowance payment list as CSV (for Excel) and as a PDF to be signed (R56)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from prachum.allowances.events import AllowanceEvent
from prachum.allowances.models import AllowanceRun, RunStatus
from prachum.allowances.payment_list import (
    PaymentList,
    PaymentRow,
    render_payment_list_pdf,
)
from prachum.attendance.models import CheckMethod, LocationKind
from prachum.core.csv_cells import csv_writer
from prachum.domain.thai_dates import (
    baht_text,
    format_money,
    format_thai_date,
    format_thai_datetime,
)
from prachum.evidence.package import File, json_bytes
from prachum.evidence.selectors import list_events


def money(amount: Decimal) -> str:
    return format_money(amount)


def attended_text(*, mode: str, identity_method: str) -> str:
    """ "Remote; password and one-time code", or "Not present while the meeting was open"."""
    method = CheckMethod(identity_method).label if identity_method else ""
    if not mode:
        return str(_("Not present while the meeting was open"))
    return f"{LocationKind(mode).label}; {method}"


def payment_rows(run: AllowanceRun) -> list[PaymentRow]:
    return [
        PaymentRow(
            name=line.person.display_name,
            role=str(line.get_role_display()),
            attended=attended_text(
                mode=line.mode, identity_method=line.identity_method
            ),
            amount=money(line.amount),
            amount_words=baht_text(line.amount),
        )
        for line in run.lines.select_related("person").order_by("position")
    ]


def csv_bytes(run: AllowanceRun) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Thai names correctly."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("No."),
            _("Name"),
            _("Role"),
            _("How attended"),
            _("Amount (baht)"),
            _("Amount in words"),
            _("Reason code"),
            _("Legal basis"),
            _("Detail"),
        ]
    )
    rows = payment_rows(run)
    lines = run.lines.order_by("position")
    for number, (row, line) in enumerate(zip(rows, lines, strict=True), start=1):
        writer.writerow(
            [
                number,
                row.name,
                row.role,
                row.attended,
                f"{line.amount:.2f}",
                row.amount_words,
                line.reason_code,
                line.clause,
                line.detail,
            ]
        )
    writer.writerow(
        ["", _("Total"), "", "", f"{run.total:.2f}", baht_text(run.total), "", "", ""]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def payment_list(run: AllowanceRun) -> PaymentList:
    meeting = run.meeting
    if run.status == RunStatus.CONFIRMED and run.confirmed_at and run.confirmed_by:
        status = _("Confirmed by %(name)s on %(when)s") % {
            "name": run.confirmed_by.display_name,
            "when": format_thai_datetime(run.confirmed_at),
        }
    else:
        status = _("Draft: not yet confirmed by the secretary")
    return PaymentList(
        title=_("Meeting allowance payment list"),
        subtitle=_("%(committee)s, meeting no. %(number)s/%(year)s on %(date)s")
        % {
            "committee": meeting.committee.name,
            "number": meeting.number,
            "year": meeting.buddhist_year,
            "date": format_thai_date(meeting.held_at),
        },
        headers=(
            _("No."),
            _("Name"),
            _("Role"),
            _("How attended"),
            _("Amount (baht)"),
            _("Amount in words"),
            _("Signature of payee"),
        ),
        rows=payment_rows(run),
        total_label=_("Total"),
        total=money(run.total),
        total_words=baht_text(run.total),
        status_line=status,
        certify_lines=(
            _("I certify that the persons above attended the meeting."),
            _("Signed .................................... Secretary"),
            _("Signed .................................... Payer"),
        ),
        thai_digits=meeting.committee.agency.thai_digits,
    )


def pdf_bytes(run: AllowanceRun, *, language: str = "th") -> bytes:
    """The payment list in Thai (an official document), unless ``language`` says; a
    confirmed list's Thai PDF is the one signed at confirmation (ADR 0022)."""
    if language == "th" and run.signed_pdf:
        return bytes(run.signed_pdf)
    return rendered_pdf(run, language=language)


def rendered_pdf(run: AllowanceRun, *, language: str = "th") -> bytes:
    """The payment list rendered now, unsigned."""
    with translation.override(language):
        return render_payment_list_pdf(payment_list(run))


def allowance_files(meeting: Any) -> Iterator[File]:
    """The confirmed payment list in the evidence package (issue 16 point 2): the CSV
    and the PDF as the secretary confirmed them, and ``inputs.json``, what the law
    engine was given (the rates, the committee's switches, each person as listed),
    as the ``allowances.computed`` event recorded it. Nothing before confirmation."""
    run = (
        AllowanceRun.objects.filter(meeting=meeting, status=RunStatus.CONFIRMED)
        .select_related("meeting__committee__agency", "confirmed_by")
        .first()
    )
    if run is None:
        return
    computed = (
        list_events(chain_key=meeting.chain_key)
        .filter(kind=AllowanceEvent.ALLOWANCES_COMPUTED, payload__run=str(run.pk))
        .order_by("-seq")
        .first()
    )
    payload = computed.payload if computed is not None else {}
    inputs = {
        "run": str(run.pk),
        "quorate": payload.get("quorate"),
        "presiding": payload.get("presiding"),
        "rate": payload.get("rate"),
        "lines": payload.get("lines"),
        **payload.get("inputs", {}),
    }
    yield "allowances/inputs.json", json_bytes(inputs)
    yield "allowances/payment_list.csv", csv_bytes(run)
    yield "allowances/payment_list.pdf", pdf_bytes(run)
