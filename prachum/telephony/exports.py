"""SIP calls in the evidence package: ``sip_calls.json``, the traffic data of every
call that reached the meeting (SIP URI, source address and port, transport, codec,
device, node, times, PIN tries; Decree s.9(5), R37, R38). Recomputed by
``prachum verify`` from the ``sip.*`` events (``prachum/verify/sip_calls.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.telephony.models import SipCall
from prachum.telephony.services import call_facts


def call_row(call: SipCall) -> dict[str, Any]:
    return {
        **call_facts(call),
        "user": str(call.user_id) if call.user_id else None,
        "identified_by": call.identified_by,
        "identified_at": call.identified_at.isoformat() if call.identified_at else None,
        "connection": str(call.connection_id) if call.connection_id else None,
        "media_server": call.media_server,
        "audio_participant": call.audio_participant,
        "failed_pin_tries": call.failed_pin_tries,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "end_reason": call.end_reason,
    }


def sip_call_files(meeting: Meeting) -> Iterator[File]:
    calls = SipCall.objects.filter(meeting=meeting).order_by("started_at", "id")
    if calls.exists():
        yield "sip_calls.json", json_bytes([call_row(c) for c in calls])
