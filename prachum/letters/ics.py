"""The meeting invitation as an iCalendar request (RFC 5545 / iTIP RFC 5546).

Times are written in UTC ("...Z"): that needs no VTIMEZONE block, and every calendar
client converts to local time itself. Naive datetimes are refused rather than guessed,
because an invitation an hour off is worse than none. Resending a changed meeting must
keep ``uid`` and raise ``sequence`` so clients update the existing entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Prachum//Prachum electronic meetings//TH"


def _utc(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware, got naive {value.isoformat()}"
        )
    return value.astimezone(UTC)


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    return address


def render_invitation_ics(
    *,
    uid: str,
    summary: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    organizer_email: str,
    organizer_name: str,
    attendees: Sequence[tuple[str, str]],
    url: str | None,
    sequence: int = 0,
    dtstamp: datetime,
    cancelled: bool = False,
) -> bytes:
    """Return a METHOD:REQUEST VCALENDAR with one VEVENT (METHOD:CANCEL when
    ``cancelled``: calendars remove the event with the same ``uid``).

    ``attendees`` are (email, name) pairs; datetimes must be timezone-aware.
    """
    start = _utc("starts_at", starts_at)
    end = _utc("ends_at", ends_at)
    stamp = _utc("dtstamp", dtstamp)
    if end <= start:
        raise ValueError("ends_at must be after starts_at")
    if sequence < 0:
        raise ValueError("sequence must not be negative")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(organizer_email, organizer_name))
    for email, name in attendees:
        attendee = _address(email, name)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
