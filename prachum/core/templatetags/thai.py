"""Dates at the edge: Buddhist era and Thai month names in Thai, ISO-like in English."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone, translation

from prachum.domain.thai_dates import (
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
