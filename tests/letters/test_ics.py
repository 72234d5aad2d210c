"""The invitation as an iCalendar request, read back with the icalendar parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from prachum.letters import render_invitation_ics

BANGKOK = ZoneInfo("Asia/Bangkok")


def invite(**overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "uid": "meeting-42@prachum.example.go.th",
        "summary": "ประชุมคณะกรรมการพัฒนาระบบราชการ ครั้งที่ 1/2569",
        "description": "ประชุมผ่านสื่ออิเล็กทรอนิกส์\nเข้าร่วมที่ https://prachum.example.go.th/m/7Qx2",
        "starts_at": datetime(2026, 11, 27, 10, 0, tzinfo=BANGKOK),
        "ends_at": datetime(2026, 11, 27, 12, 0, tzinfo=BANGKOK),
        "location": "ผ่านสื่ออิเล็กทรอนิกส์",
        "organizer_email": "saraban@moi.go.th",
        "organizer_name": "ฝ่ายเลขานุการ",
        "attendees": [
            ("somchai@moi.go.th", "นายสมชาย ใจดี"),
            ("somsri@moi.go.th", "นางสมศรี, รักงาน"),  # comma must be quoted in CN
        ],
        "url": "https://prachum.example.go.th/m/7Qx2",
        "dtstamp": datetime(2026, 11, 20, 9, 30, tzinfo=BANGKOK),
    }
    fields.update(overrides)
    return render_invitation_ics(**fields)


def the_event(data: bytes) -> Any:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_is_an_itip_request() -> None:
    calendar = Calendar.from_ical(invite())

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]


def test_times_are_written_in_utc() -> None:
    data = invite()
    event = the_event(data)

    # 10.00 น. Bangkok (UTC+7) is 03:00Z; the file carries no VTIMEZONE.
    assert b"DTSTART:20261127T030000Z\r\n" in data
    assert b"DTEND:20261127T050000Z\r\n" in data
    assert b"VTIMEZONE" not in data
    assert event.decoded("DTSTART") == datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTSTAMP") == datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def test_uid_sequence_text_and_url_round_trip() -> None:
    event = the_event(invite(sequence=2))

    assert event["UID"] == "meeting-42@prachum.example.go.th"
    assert event.decoded("SEQUENCE") == 2
    assert event["SUMMARY"] == "ประชุมคณะกรรมการพัฒนาระบบราชการ ครั้งที่ 1/2569"
    assert event["LOCATION"] == "ผ่านสื่ออิเล็กทรอนิกส์"
    assert "\n" in event["DESCRIPTION"]  # escaped as \n in the file, restored here
    assert event["URL"] == "https://prachum.example.go.th/m/7Qx2"
    assert event["STATUS"] == "CONFIRMED"


def test_url_is_optional() -> None:
    assert "URL" not in the_event(invite(url=None))


def test_organizer_and_attendees() -> None:
    event = the_event(invite())

    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:saraban@moi.go.th"
    assert organizer.params["CN"] == "ฝ่ายเลขานุการ"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:somchai@moi.go.th",
        "mailto:somsri@moi.go.th",
    ]
    assert [a.params["CN"] for a in attendees] == ["นายสมชาย ใจดี", "นางสมศรี, รักงาน"]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_lines_are_crlf_and_folded() -> None:
    data = invite()

    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 75  # octets, RFC 5545 3.1


def test_same_input_gives_same_bytes() -> None:
    assert invite() == invite()
    assert invite(sequence=1) != invite()


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "dtstamp"])
def test_naive_datetime_is_rejected(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        invite(**{field: datetime(2026, 11, 27, 10, 0)})


def test_end_must_follow_start() -> None:
    start = datetime(2026, 11, 27, 10, 0, tzinfo=BANGKOK)
    with pytest.raises(ValueError, match="after"):
        invite(starts_at=start, ends_at=start)
