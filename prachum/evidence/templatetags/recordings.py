"""``{% recording_status meeting as status %}``: where post-processing stands (ADR 0012)."""

from __future__ import annotations

from django import template

from prachum.archive.recordings import RecordingStatus, recording_status
from prachum.meetings.models import Meeting

register = template.Library()


@register.simple_tag
def meeting_recording_status(meeting: Meeting) -> RecordingStatus:
    return recording_status(meeting=meeting)
