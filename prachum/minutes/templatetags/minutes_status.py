"""``{{ meeting|minutes_state_label }}``: "minutes pending approval" for a closed meeting."""

from __future__ import annotations

from django import template

from prachum.meetings.models import Meeting
from prachum.minutes import selectors

register = template.Library()


@register.filter
def minutes_state_label(meeting: Meeting) -> str:
    return selectors.minutes_state_label(meeting=meeting)
