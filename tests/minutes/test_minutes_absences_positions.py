"""The minutes list absentees with the reason of their leave (ลาประชุม), and every
person with their position in the committee (ตำแหน่ง) where the roster gives one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance import absence as absences
from prachum.committees.models import Committee
from prachum.meetings.models import Meeting
from prachum.minutes import services
from prachum.minutes.pdf import absent_line, person_line
from prachum.room import lifecycle as room_lifecycle

pytestmark = pytest.mark.django_db


def test_absentees_carry_their_leave_reason_and_positions_are_listed(
    committee: Committee,
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    chair: Any,
    secretary: Any,
    members: list[Any],
) -> None:
    committee.memberships.filter(user=chair).update(position_title="ผู้ว่าราชการจังหวัด")
    committee.memberships.filter(user=members[5]).update(
        position_title="ผู้อำนวยการ กศน.อำเภอเมือง"
    )
    absences.record_absence(
        actor=members[5], meeting=notified_meeting, member=members[5], reason="ลาป่วย"
    )
    meeting = open_room(notified_meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    draft = services.draft_minutes(actor=secretary, meeting=meeting)
    absent = {p["user"]: p for p in draft.content["absent"]}
    assert absent[str(members[5].pk)]["reason"] == "ลาป่วย"
    assert absent[str(members[4].pk)]["reason"] == ""  # away, no leave recorded
    line = absent_line(1, absent[str(members[5].pk)])
    assert "ผู้อำนวยการ กศน.อำเภอเมือง  กรรมการ  ลาป่วย" in line
    present = {p["user"]: p for p in draft.content["present"]}
    assert "ผู้ว่าราชการจังหวัด  ประธานกรรมการ" in person_line(1, present[str(chair.pk)])
