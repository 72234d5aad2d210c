"""The console over HTTP: the same services, the same evidence, outcomes as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from prachum.attendance.models import (
    Admission,
    CheckMethod,
    IdentityCheck,
    Incident,
    IncidentKind,
    LocationKind,
    Removal,
)
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.meetings.selectors import numbered_agenda
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants

pytestmark = pytest.mark.django_db


def _url(name: str, meeting: Meeting, **kwargs: Any) -> str:
    return reverse(f"attendance:{name}", kwargs={"pk": meeting.pk, **kwargs})


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _post(client: Any, url: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """POST, follow back to the room (or the check page), return the messages shown."""
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[0][1] == 302
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _kinds_since_notice(meeting: Meeting) -> list[str]:
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    return kinds[kinds.index("notice.sent") + 1 :]


def _item_two(meeting: Meeting) -> Any:
    return next(r.item for r in numbered_agenda(meeting=meeting) if r.number == "2")


def test_vouching_over_http_records_who_vouched(
    notified_meeting: Meeting,
    secretary: Any,
    member: Any,
    client_for: Callable[..., Any],
) -> None:
    response = client_for(secretary, "en").post(
        _url("vouch", notified_meeting),
        {"user": member.pk, "location": "remote", "note": "เห็นหน้าทางวิดีโอ"},
    )

    assert response["Location"] == _url("room", notified_meeting)
    assert _messages(response) == [
        ("success", f"Your vouching for {member.display_name} is recorded.")
    ]
    check = IdentityCheck.objects.get(meeting=notified_meeting, user=member)
    assert check.method == CheckMethod.VOUCHED
    assert check.performed_by == secretary
    assert check.factors == 1
    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert event.actor == secretary
    assert event.payload["performed_by"] == str(secretary.pk)
    assert event.payload["user"] == str(member.pk)
    assert event.payload["note"] == "เห็นหน้าทางวิดีโอ"


def test_a_member_may_not_vouch_and_is_told_in_thai(
    notified_meeting: Meeting,
    members: list[Any],
    client_for: Callable[..., Any],
) -> None:
    response = client_for(members[0], "th").post(
        _url("vouch", notified_meeting), {"user": members[1].pk, "location": "remote"}
    )

    [(level, text)] = _messages(response)
    assert level == "error"
    assert "รับรองตัวตน" in text
    assert not IdentityCheck.objects.filter(meeting=notified_meeting).exists()


def test_signing_in_at_the_room_of_a_hybrid_meeting(
    hybrid_meeting: Meeting,
    secretary: Any,
    member: Any,
    client_for: Callable[..., Any],
) -> None:
    client_for(secretary).post(_url("sign_in", hybrid_meeting), {"user": member.pk})

    check = IdentityCheck.objects.get(meeting=hybrid_meeting, user=member)
    assert check.method == CheckMethod.ROOM_SIGN_IN
    assert check.location == LocationKind.IN_ROOM
    assert check.performed_by == secretary


def _run_console(
    meeting: Meeting,
    *,
    chair: Any,
    secretary: Any,
    members: list[Any],
    invitee: Any,
    client_for: Callable[..., Any] | None,
) -> None:
    """The same session, from the chair's HTTP console or straight to the services."""
    item = _item_two(meeting)
    reporter = members[0]

    if client_for is None:
        room_lifecycle.open_meeting(
            actor=chair, meeting=meeting, without_quorum_reason="ทดสอบระบบ"
        )
        room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
        room_floor.give_floor(actor=chair, meeting=meeting, user=reporter)
        room_floor.end_floor(actor=chair, meeting=meeting)
        room_incidents.report_incident(
            actor=reporter, meeting=meeting, description="ภาพค้าง"
        )
        incident = Incident.objects.get(meeting=meeting, kind=IncidentKind.REPORTED)
        room_incidents.handle_incident(
            actor=chair, incident=incident, handling="โทรกลับ"
        )
        room_lifecycle.suspend_meeting(actor=chair, meeting=meeting, reason="พัก")
        room_lifecycle.resume_meeting(actor=chair, meeting=meeting)
        room_participants.remove_participant(
            actor=chair, meeting=meeting, user=members[1], reason="ก่อความวุ่นวาย"
        )
        room_participants.readmit_participant(
            actor=chair, meeting=meeting, user=members[1]
        )
        room_participants.vouch_identity(
            actor=secretary, meeting=meeting, user=members[2], location="remote"
        )
        room_participants.admit_invitee(
            actor=chair, meeting=meeting, user=invitee, item=item
        )
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
        return

    console = client_for(chair, "en")
    steps: list[tuple[Any, str, dict[str, Any], dict[str, Any]]] = [
        (console, "open", {}, {"reason": "ทดสอบระบบ"}),
        (console, "set_item", {}, {"item": item.pk}),
        (console, "give_floor", {}, {"user": reporter.pk}),
        (console, "end_floor", {}, {}),
        (client_for(reporter, "en"), "report", {}, {"description": "ภาพค้าง"}),
    ]
    for client, name, kwargs, data in steps:
        shown = _post(client, _url(name, meeting, **kwargs), data)
        assert [level for level, _ in shown] == ["success"], (name, shown)
    incident = Incident.objects.get(meeting=meeting, kind=IncidentKind.REPORTED)
    steps = [
        (console, "handle", {"incident_pk": incident.pk}, {"handling": "โทรกลับ"}),
        (console, "suspend", {}, {"reason": "พัก"}),
        (console, "resume", {}, {}),
        (console, "remove", {}, {"user": members[1].pk, "reason": "ก่อความวุ่นวาย"}),
        (console, "readmit", {}, {"user": members[1].pk}),
        (
            client_for(secretary, "en"),
            "vouch",
            {},
            {"user": members[2].pk, "location": "remote"},
        ),
        (console, "admit", {}, {"user": invitee.pk, "item": item.pk}),
        (console, "close", {}, {}),
    ]
    for client, name, kwargs, data in steps:
        shown = _post(client, _url(name, meeting, **kwargs), data)
        assert [level for level, _ in shown] == ["success"], (name, shown)


def test_http_console_leaves_the_same_evidence_as_the_services(
    make_meeting: Callable[..., Meeting],
    notify: Callable[[Meeting], Meeting],
    chair: Any,
    secretary: Any,
    members: list[Any],
    invitee: Any,
    identified: Callable[..., Any],
    client_for: Callable[..., Any],
) -> None:
    by_http = notify(make_meeting(days_ahead=10))
    by_service = notify(make_meeting(days_ahead=11))
    for meeting in (by_http, by_service):
        for person in (chair, secretary, members[0], members[1]):
            identified(person, meeting)

    _run_console(
        by_service,
        chair=chair,
        secretary=secretary,
        members=members,
        invitee=invitee,
        client_for=None,
    )
    _run_console(
        by_http,
        chair=chair,
        secretary=secretary,
        members=members,
        invitee=invitee,
        client_for=client_for,
    )

    http_kinds = _kinds_since_notice(by_http)
    assert http_kinds == _kinds_since_notice(by_service)
    for kind in (
        "meeting.opened",
        "agenda.item_started",
        "floor.given",
        "floor.ended",
        "incident.recorded",
        "incident.handled",
        "meeting.suspended",
        "meeting.resumed",
        "participant.removed",
        "participant.readmitted",
        "participant.identity_confirmed",
        "participant.admitted",
        "meeting.closed",
    ):
        assert kind in http_kinds
    by_http.refresh_from_db()
    assert by_http.status == MeetingStatus.CLOSED
    assert Removal.objects.get(meeting=by_http).readmitted_by == chair
    assert Admission.objects.get(meeting=by_http).admitted_by == chair
    opened = list_events(chain_key=by_http.chain_key).get(kind="meeting.opened")
    assert opened.actor == chair
    assert opened.payload["without_quorum_reason"] == "ทดสอบระบบ"


def test_a_member_cannot_run_the_console(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
) -> None:
    response = client_for(member, "en").post(
        _url("open", notified_meeting), {"reason": "ทดสอบ"}
    )

    assert _messages(response) == [
        ("error", "Only the chair or the secretary may do this.")
    ]
    notified_meeting.refresh_from_db()
    assert notified_meeting.status == MeetingStatus.NOTIFIED


def test_opening_without_quorum_needs_a_reason_said_in_the_page_language(
    notified_meeting: Meeting,
    chair: Any,
    client_for: Callable[..., Any],
) -> None:
    response = client_for(chair, "th").post(_url("open", notified_meeting), {})

    [(level, text)] = _messages(response)
    assert level == "error"
    assert "องค์ประชุม" in text
    assert "0" in text


def test_console_refers_only_to_this_meetings_people_and_items(
    notified_meeting: Meeting,
    make_meeting: Callable[..., Meeting],
    chair: Any,
    outsider: Any,
    client_for: Callable[..., Any],
) -> None:
    other = make_meeting(days_ahead=12)
    client = client_for(chair)
    room_lifecycle.open_meeting(
        actor=chair, meeting=notified_meeting, without_quorum_reason="ทดสอบ"
    )

    foreign_item = _item_two(other)
    assert (
        client.post(
            _url("set_item", notified_meeting), {"item": foreign_item.pk}
        ).status_code
        == 404
    )
    assert (
        client.post(
            _url("give_floor", notified_meeting), {"user": outsider.pk}
        ).status_code
        == 404
    )
    bad = client.post(_url("give_floor", notified_meeting), {"user": "not-a-uuid"})
    assert [level for level, _ in _messages(bad)] == ["error"]


def test_console_actions_are_post_only(
    notified_meeting: Meeting, chair: Any, client_for: Callable[..., Any]
) -> None:
    client = client_for(chair)
    for name in ("open", "close", "vouch", "report"):
        assert client.get(_url(name, notified_meeting)).status_code == 405
