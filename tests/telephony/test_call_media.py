"""A caller's audio the room could not hear is an incident the chair sees, in words
(issue 17 point 3: never silently unheard; R42)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Incident
from prachum.meetings.models import Meeting
from prachum.room.incident_text import incident_summary
from prachum.telephony import call_media
from prachum.telephony.models import SipCall

pytestmark = pytest.mark.django_db


def test_unheard_audio_of_a_caller_is_an_incident_in_words(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
) -> None:
    call = dial_in(members[2], sip_meeting)
    call_media.report_unheard_audio(call, dropped=12, reason="packet size")
    incident = Incident.objects.get(meeting=sip_meeting, subject=members[2])
    assert incident.description.startswith(f"MEDIA_LOST: sip:{call.call_id}: 12 ")
    assert "pcma" in incident.description
    summary = incident_summary(kind=incident.kind, description=incident.description)
    assert summary == "การเชื่อมต่อภาพและเสียงขาดหาย"  # Thai: the room's language
