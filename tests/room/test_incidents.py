"""The failure channel: reported and automatic incidents, never deleted (R17, R42)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import Connection, Incident
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings.models import Meeting
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import state as room_state
from tests.fixtures.room import event_kinds, last_event

pytestmark = pytest.mark.django_db


def test_any_participant_reports_and_the_console_sees_it_at_once(
    notified_meeting: Meeting,
    member: Any,
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    console = listen(room_state.console_group(notified_meeting.pk))
    everyone = listen(room_state.room_group(notified_meeting.pk))

    with django_capture_on_commit_callbacks(execute=True):
        incident = room_incidents.report_incident(
            actor=member, meeting=notified_meeting, description="  ไม่ได้ยินเสียงประธาน  "
        )

    row = Incident.objects.get(pk=incident.pk)
    assert (row.kind, row.reported_by, row.subject) == ("reported", member, member)
    assert row.description == "ไม่ได้ยินเสียงประธาน"
    assert row.handled_at is None
    event = last_event(notified_meeting, "incident.recorded")
    assert event.actor == member
    assert event.payload == {
        "incident": str(row.pk),
        "kind": "reported",
        "subject": str(member.pk),
        "description": "ไม่ได้ยินเสียงประธาน",
    }
    assert console.events() == [
        {"type": "incident", "incident": room_incidents.incident_dict(row)}
    ]
    assert everyone.events() == []  # incidents go to the console only


def test_a_blank_report_or_an_outsiders_report_is_refused(
    notified_meeting: Meeting, member: Any, outsider: Any
) -> None:
    before = event_kinds(notified_meeting)
    with pytest.raises(ServiceError) as caught:
        room_incidents.report_incident(
            actor=member, meeting=notified_meeting, description=" "
        )
    assert (caught.value.code, caught.value.field) == ("REQUIRED", "description")
    with pytest.raises(PermissionDeniedError) as caught:
        room_incidents.report_incident(
            actor=outsider, meeting=notified_meeting, description="แอบดู"
        )
    assert caught.value.code == "NOT_PARTICIPANT"
    assert not Incident.objects.exists()
    assert event_kinds(notified_meeting) == before


def test_handling_is_recorded_once(
    notified_meeting: Meeting,
    secretary: Any,
    chair: Any,
    member: Any,
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident = room_incidents.report_incident(
        actor=member, meeting=notified_meeting, description="ภาพค้าง"
    )
    console = listen(room_state.console_group(notified_meeting.pk))

    with pytest.raises(PermissionDeniedError) as caught:
        room_incidents.handle_incident(actor=member, incident=incident, handling="ok")
    assert caught.value.code == "CHAIR_ONLY"
    with pytest.raises(ServiceError) as caught:
        room_incidents.handle_incident(
            actor=secretary, incident=incident, handling="  "
        )
    assert caught.value.code == "REQUIRED"

    with django_capture_on_commit_callbacks(execute=True):
        room_incidents.handle_incident(
            actor=secretary, incident=incident, handling="โทรแจ้งทางโทรศัพท์สำรอง"
        )

    row = Incident.objects.get(pk=incident.pk)
    assert (row.handled_by, row.handling) == (secretary, "โทรแจ้งทางโทรศัพท์สำรอง")
    assert row.handled_at is not None
    event = last_event(notified_meeting, "incident.handled")
    assert (event.actor, event.payload) == (
        secretary,
        {"incident": str(row.pk), "handling": "โทรแจ้งทางโทรศัพท์สำรอง"},
    )
    [pushed] = console.events()
    assert pushed["incident"]["handling"] == "โทรแจ้งทางโทรศัพท์สำรอง"

    with pytest.raises(ServiceError) as caught:
        room_incidents.handle_incident(actor=chair, incident=incident, handling="อีกครั้ง")
    assert caught.value.code == "ALREADY_HANDLED"
    row = Incident.objects.get(pk=incident.pk)
    assert (row.handled_by, row.handling) == (secretary, "โทรแจ้งทางโทรศัพท์สำรอง")
    handled = [
        e
        for e in list_events(chain_key=notified_meeting.chain_key)
        if e.kind == "incident.handled"
    ]
    assert len(handled) == 1


def test_an_incident_is_never_deleted(notified_meeting: Meeting, member: Any) -> None:
    incident = room_incidents.report_incident(
        actor=member, meeting=notified_meeting, description="หลุดจากห้อง"
    )
    with pytest.raises(PermissionError):
        incident.delete()
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_the_chain_verifies_after_a_whole_sequence(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    members: list[Any],
    open_room: Callable[[Meeting], Meeting],
    connect: Callable[..., Connection],
) -> None:
    meeting = open_room(notified_meeting)
    room_floor.raise_hand(actor=members[0], meeting=meeting)
    room_floor.give_floor(actor=chair, meeting=meeting, user=members[0])
    room_floor.end_floor(actor=chair, meeting=meeting)
    lost = Connection.objects.get(meeting=meeting, user=members[1])
    room_connections.close_connection(connection_id=lost.pk, reason="lost")
    reported = room_incidents.report_incident(
        actor=members[0], meeting=meeting, description="คุณภาพเสียงต่ำ"
    )
    room_incidents.handle_incident(
        actor=secretary, incident=reported, handling="ปรับแล้ว"
    )
    connect(members[1], meeting)
    room_lifecycle.suspend_meeting(actor=chair, meeting=meeting, reason="พักเที่ยง")
    room_lifecycle.resume_meeting(actor=chair, meeting=meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)

    assert [i.kind for i in Incident.objects.filter(meeting=meeting)] == [
        "connection_lost",
        "quorum_lost",
        "reported",
        "quorum_regained",
    ]
    kinds = event_kinds(meeting)
    assert kinds.count("incident.recorded") == 4
    assert kinds.count("incident.handled") == 1
    report = check_chain(chain_key=meeting.chain_key)
    assert report.ok, report
    assert report.length == len(kinds)
