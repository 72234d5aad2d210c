"""Dates at the edge: Buddhist era and Thai month names in Thai, ISO-like in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone, translation

from prachum.core import citations, events
from prachum.domain.thai_dates import (
    format_money,
    format_thai_date,
    format_thai_datetime,
    format_thai_time,
)

register = template.Library()


def _thai() -> bool:
    return (translation.get_language() or "th").startswith("th")


@register.filter
def thai_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if _thai():
        return format_thai_date(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%d %b %Y")


@register.filter
def thai_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if _thai():
        return format_thai_time(value)
    return timezone.localtime(value).strftime("%H:%M")


@register.filter
def thai_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if _thai():
        return format_thai_datetime(value)
    return timezone.localtime(value).strftime("%d %b %Y %H:%M")


@register.filter
def event_label(kind: str) -> str:
    """``{{ event.kind|event_label }}``: "meeting.opened" reads "เปิดประชุม"."""
    return events.event_label(kind)


@register.filter
def money(value: Decimal | float | int | str | None) -> str:
    """``{{ amount|money }}``: baht with thousands separators, "1,250.00"."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return str(value)
    return format_money(amount)


@register.filter
def cite(clause: str) -> str:
    """``{{ reason.clause|cite }}``: "APA B.E. 2539 s.82" reads
    "พ.ร.บ.วิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 82" in Thai."""
    return citations.cite(clause)


@register.filter
def explain(code: str) -> str:
    """``{{ line.reason_code|explain }}``: a law-engine code in plain words."""
    return citations.explain_code(code)
