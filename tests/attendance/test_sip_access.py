"""A meeting's dial code and the members' personal PINs (issue 17; R13, R14, R45):
random, encrypted at rest, found by a keyed hash, valid for that meeting only and only
while it can be entered."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from prachum.attendance.models import SipPin
from prachum.attendance.sip_access import (
    dial_code_for,
    meeting_by_dial_code,
    member_by_pin,
    pin_for,
)
from prachum.core.errors import PermissionDeniedError
from prachum.meetings.models import Meeting, MeetingStatus

pytestmark = pytest.mark.django_db


def test_a_members_pin_is_six_random_digits_stable_and_personal(
    notified_meeting: Meeting, members: list[Any], chair: Any
) -> None:
    first = pin_for(notified_meeting, members[0])
    assert len(first) == 6
    assert first.isdigit()
    assert pin_for(notified_meeting, members[0]) == first
    others = {pin_for(notified_meeting, u) for u in [chair, *members[1:]]}
    assert first not in others
    assert member_by_pin(notified_meeting, first) == members[0]
    assert member_by_pin(notified_meeting, "12345") is None
    assert member_by_pin(notified_meeting, "abcdef") is None


def test_the_pin_is_encrypted_at_rest_and_found_by_a_keyed_hash(
    notified_meeting: Meeting, members: list[Any]
) -> None:
    pin = pin_for(notified_meeting, members[0])
    row = SipPin.objects.get(meeting=notified_meeting, user=members[0])
    with connection.cursor() as cursor:
        cursor.execute(
            "select pin, pin_hash from attendance_sippin where id = %s", [row.pk]
        )
        stored, digest = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert pin not in stored
    assert pin not in digest
    assert len(digest) == 64


def test_a_pin_works_for_its_own_meeting_only(
    notified_meeting: Meeting,
    make_meeting: Any,
    notify: Any,
    members: list[Any],
) -> None:
    other = notify(make_meeting(title="การประชุมอีกครั้ง"))
    pin = pin_for(notified_meeting, members[0])
    # Two independent draws of six digits (one chance in a million to meet).
    assert pin_for(other, members[0]) != pin
    assert member_by_pin(other, pin) is None
    assert member_by_pin(notified_meeting, pin) == members[0]


def test_a_pin_stops_working_when_the_meeting_cannot_be_entered(
    notified_meeting: Meeting, members: list[Any]
) -> None:
    pin = pin_for(notified_meeting, members[0])
    code = dial_code_for(notified_meeting)
    assert meeting_by_dial_code(code) == notified_meeting
    Meeting.objects.filter(pk=notified_meeting.pk).update(status=MeetingStatus.CLOSED)
    assert member_by_pin(notified_meeting, pin) is None
    assert meeting_by_dial_code(code) is None


def test_the_dial_code_is_stable_digits_and_unique_among_live_meetings(
    notified_meeting: Meeting, make_meeting: Any, notify: Any
) -> None:
    code = dial_code_for(notified_meeting)
    assert code.isdigit()
    assert len(code) == 6
    assert not code.startswith("0")
    assert dial_code_for(notified_meeting) == code
    other = notify(make_meeting(title="การประชุมที่สอง"))
    assert dial_code_for(other) != code
    assert meeting_by_dial_code("") is None
    assert meeting_by_dial_code("sip:abc") is None


def test_only_a_participant_gets_a_pin(
    notified_meeting: Meeting, outsider: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        pin_for(notified_meeting, outsider)


def test_rotating_the_field_key_reencrypts_the_pins(
    notified_meeting: Meeting, members: list[Any], operator: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from prachum.core import secrets_at_rest

    pin = pin_for(notified_meeting, members[0])
    old_id = secrets_at_rest.keyring().primary_id
    call_command("rotate_field_key", "--actor", operator.username, stdout=StringIO())
    new_id = secrets_at_rest.keyring().primary_id
    assert new_id != old_id
    with connection.cursor() as cursor:
        cursor.execute("select pin from attendance_sippin")
        (stored,) = cursor.fetchone()
    assert secrets_at_rest.stored_key_id(stored) == new_id
    assert member_by_pin(notified_meeting, pin) == members[0]
    assert pin_for(notified_meeting, members[0]) == pin
