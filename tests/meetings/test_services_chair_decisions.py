"""The chair's decisions: meeting electronically (Decree s.6) and urgency (APA s.80)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import services
from prachum.meetings.models import Meeting, MeetingMode

pytestmark = pytest.mark.django_db

DECIDED_AT = dt.datetime(2026, 5, 4, 3, 15, 30, tzinfo=dt.UTC)


def _state(meeting):
    fields = (
        "electronic_decided_by",
        "electronic_decided_at",
        "urgent_reason",
        "urgent_marked_by",
        "urgent_marked_at",
    )
    row = Meeting.objects.values(*fields).get(pk=meeting.pk)
    return row, EvidenceEvent.objects.filter(chain__key=meeting.chain_key).count()


def test_the_chair_decides_to_meet_electronically(meeting, chair):
    with time_machine.travel(DECIDED_AT, tick=False):
        services.record_electronic_decision(actor=chair, meeting=meeting)

    meeting.refresh_from_db()
    assert (meeting.electronic_decided_by, meeting.electronic_decided_at) == (
        chair,
        DECIDED_AT,
    )
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.actor, event.at) == (
        "meeting.electronic_decided",
        chair,
        DECIDED_AT,
    )
    assert event.payload == {"clause": "Decree B.E. 2563 s.6", "mode": "electronic"}
    assert check_chain(chain_key=meeting.chain_key).ok


@pytest.mark.parametrize("who", ["vice_chair", "secretary", "member", "outsider"])
def test_only_the_chair_decides(request, meeting, who):
    before = _state(meeting)
    with pytest.raises(PermissionDeniedError) as excinfo:
        services.record_electronic_decision(
            actor=request.getfixturevalue(who), meeting=meeting
        )
    assert excinfo.value.code == "CHAIR_ONLY"
    assert _state(meeting) == before


def test_the_decision_is_taken_once(meeting, chair):
    services.record_electronic_decision(actor=chair, meeting=meeting)
    before = _state(meeting)
    with pytest.raises(ServiceError) as excinfo:
        services.record_electronic_decision(actor=chair, meeting=meeting)
    assert excinfo.value.code == "ALREADY_DECIDED"
    assert _state(meeting) == before


def test_a_meeting_in_the_room_needs_no_decision(make_meeting, chair):
    in_room = make_meeting(mode=MeetingMode.IN_ROOM, venue="ห้องประชุม 1")
    before = _state(in_room)
    with pytest.raises(ServiceError) as excinfo:
        services.record_electronic_decision(actor=chair, meeting=in_room)
    assert excinfo.value.code == "NOT_ELECTRONIC"
    assert _state(in_room) == before


def test_the_chair_convenes_urgently_with_a_reason(meeting, chair):
    with time_machine.travel(DECIDED_AT, tick=False):
        services.mark_urgent(
            actor=chair, meeting=meeting, reason="  ต้องพิจารณาก่อนสิ้นปีงบประมาณ  "
        )

    meeting.refresh_from_db()
    assert (
        meeting.urgent_reason,
        meeting.urgent_marked_by,
        meeting.urgent_marked_at,
    ) == (
        "ต้องพิจารณาก่อนสิ้นปีงบประมาณ",
        chair,
        DECIDED_AT,
    )
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.actor) == ("meeting.marked_urgent", chair)
    assert event.payload == {
        "reason": "ต้องพิจารณาก่อนสิ้นปีงบประมาณ",
        "clause": "APA B.E. 2539 s.80",
    }


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "REQUIRED"), ("   \n ", "REQUIRED"), ("<b>ด่วน</b>", "MARKUP_NOT_ALLOWED")],
)
def test_an_urgent_convening_needs_a_plain_reason(meeting, chair, reason, code):
    before = _state(meeting)
    with pytest.raises(ServiceError) as excinfo:
        services.mark_urgent(actor=chair, meeting=meeting, reason=reason)
    assert (excinfo.value.code, excinfo.value.field) == (code, "urgent_reason")
    assert _state(meeting) == before


@pytest.mark.parametrize("who", ["vice_chair", "secretary", "member"])
def test_only_the_chair_convenes_urgently(request, meeting, who):
    before = _state(meeting)
    with pytest.raises(PermissionDeniedError) as excinfo:
        services.mark_urgent(
            actor=request.getfixturevalue(who), meeting=meeting, reason="ด่วน"
        )
    assert excinfo.value.code == "CHAIR_ONLY"
    assert _state(meeting) == before
