"""Leave of absence (ลาประชุม): recorded by the member or for them by the chair or the
secretariat, with a reason, before or during the meeting; withdrawn if they come; in
the chain, in the package's ``absences.json`` and checked by ``prachum verify``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance import absence as absences
from prachum.attendance.exports import attendance_files
from prachum.attendance.models import Absence
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.verify.absences import absences as verify_absences
from prachum.verify.report import Report

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ServiceError]) -> str:
    return str(exc.value.code)


def test_a_member_records_their_own_leave_with_evidence(
    notified_meeting: Meeting, members: list[Any]
) -> None:
    absence = absences.record_absence(
        actor=members[5], meeting=notified_meeting, member=members[5], reason=" ลาป่วย "
    )
    assert (absence.member, absence.recorded_by, absence.reason) == (
        members[5],
        members[5],
        "ลาป่วย",
    )
    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "absence.recorded"
    assert event.payload == {
        "absence": str(absence.pk),
        "member": str(members[5].pk),
        "reason": "ลาป่วย",
        "during_meeting": False,
    }
    assert absences.absence_reasons(meeting=notified_meeting) == {
        str(members[5].pk): "ลาป่วย"
    }


def test_the_secretary_records_leave_for_a_member_during_the_meeting(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    secretary: Any,
    members: list[Any],
) -> None:
    meeting = open_room(notified_meeting)
    absence = absences.record_absence(
        actor=secretary, meeting=meeting, member=members[4], reason="ติดราชการ"
    )
    assert absence.recorded_by == secretary
    assert list_events(chain_key=meeting.chain_key).last().payload["during_meeting"]


def test_a_member_may_not_record_leave_for_someone_else(
    notified_meeting: Meeting, members: list[Any], outsider: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        absences.record_absence(
            actor=members[0], meeting=notified_meeting, member=members[1], reason="x"
        )
    with pytest.raises(PermissionDeniedError):
        absences.record_absence(
            actor=outsider, meeting=notified_meeting, member=outsider, reason="x"
        )
    assert not Absence.objects.exists()


def test_leave_needs_a_reason(notified_meeting: Meeting, members: list[Any]) -> None:
    with pytest.raises(ServiceError) as exc:
        absences.record_absence(
            actor=members[0], meeting=notified_meeting, member=members[0], reason="  "
        )
    assert _code(exc) == "REQUIRED"


def test_leave_is_recorded_once_and_again_after_withdrawal(
    notified_meeting: Meeting, members: list[Any], chair: Any
) -> None:
    first = absences.record_absence(
        actor=members[0], meeting=notified_meeting, member=members[0], reason="ลากิจ"
    )
    with pytest.raises(ServiceError) as exc:
        absences.record_absence(
            actor=chair, meeting=notified_meeting, member=members[0], reason="ลาป่วย"
        )
    assert _code(exc) == "ABSENCE_ALREADY_RECORDED"
    withdrawn = absences.withdraw_absence(actor=members[0], absence=first)
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by == members[0]
    assert list_events(chain_key=notified_meeting.chain_key).last().kind == (
        "absence.withdrawn"
    )
    assert absences.absence_reasons(meeting=notified_meeting) == {}
    with pytest.raises(ServiceError) as exc:
        absences.withdraw_absence(actor=members[0], absence=first)
    assert _code(exc) == "ABSENCE_WITHDRAWN"
    again = absences.record_absence(
        actor=chair, meeting=notified_meeting, member=members[0], reason="ลาป่วย"
    )
    assert absences.absence_reasons(meeting=notified_meeting) == {
        str(members[0].pk): again.reason
    }


def test_invitees_and_outsiders_take_no_leave(
    notified_meeting: Meeting, secretary: Any, invitee: Any, outsider: Any
) -> None:
    for person in (invitee, outsider):
        with pytest.raises(ServiceError) as exc:
            absences.record_absence(
                actor=secretary, meeting=notified_meeting, member=person, reason="x"
            )
        assert _code(exc) == "ABSENCE_NOT_A_MEMBER"


def test_no_leave_after_the_meeting_is_closed(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    chair: Any,
    members: list[Any],
) -> None:
    meeting = open_room(notified_meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    with pytest.raises(ServiceError) as exc:
        absences.record_absence(
            actor=members[5], meeting=meeting, member=members[5], reason="ลาป่วย"
        )
    assert _code(exc) == "ABSENCE_MEETING_OVER"


def _package(meeting: Meeting) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    events = [
        {"body": {"seq": e.seq, "kind": e.kind, "payload": e.payload}}
        for e in list_events(chain_key=meeting.chain_key)
    ]
    return events, dict(attendance_files(meeting))


def test_the_package_file_lists_leave_and_verify_recomputes_it(
    notified_meeting: Meeting, members: list[Any], secretary: Any
) -> None:
    kept = absences.record_absence(
        actor=secretary, meeting=notified_meeting, member=members[5], reason="ลาป่วย"
    )
    gone = absences.record_absence(
        actor=members[4], meeting=notified_meeting, member=members[4], reason="ลากิจ"
    )
    absences.withdraw_absence(actor=secretary, absence=gone)
    events, files = _package(notified_meeting)
    rows = json.loads(files["absences.json"])
    assert [(r["member"], r["reason"], r["withdrawn_at"] is None) for r in rows] == [
        (str(members[5].pk), "ลาป่วย", True),
        (str(members[4].pk), "ลากิจ", False),
    ]
    assert rows[0]["id"] == str(kept.pk)
    report = Report()
    verify_absences(events, files, report)
    assert report.findings == []
    assert report.checked == ["leave of absence matched (2)"]

    rows[0]["reason"] = "ไปต่างประเทศ"  # an insider edits the reason
    tampered = files | {"absences.json": json.dumps(rows).encode()}
    report = Report()
    verify_absences(events, tampered, report)
    assert [(f.code, f.file) for f in report.findings] == [
        ("RECOMPUTED_MISMATCH", "absences.json")
    ]

    report = Report()  # a row dropped, and a row without its event
    verify_absences(events, files | {"absences.json": b"[]"}, report)
    assert [f.detail for f in report.findings] == ["missing", "missing"]
    report = Report()
    verify_absences(events[:1], files, report)
    assert len(report.findings) == 2
    report = Report()
    verify_absences(events, files | {"absences.json": b"{not json"}, report)
    assert report.findings[0].code == "RECOMPUTED_MISMATCH"
    report = Report()
    verify_absences(events, {}, report)
    assert report.findings == []
    assert report.checked == []
