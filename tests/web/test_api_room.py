"""The live room over REST: the same selectors and services as the room page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance.models import IdentityCheck, Incident
from prachum.committees.models import Committee, Role
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.room import connections as room_connections
from prachum.room import incidents as room_incidents
from prachum.room import participants as room_participants
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) PrachumApiTest/2.0"
ROOM_PATHS = {
    "/api/meetings/{meeting_id}/room": {"get"},
    "/api/meetings/{meeting_id}/quorum": {"get"},
    "/api/meetings/{meeting_id}/attendance": {"get"},
    "/api/meetings/{meeting_id}/incidents": {"get", "post"},
    "/api/meetings/{meeting_id}/identity-check": {"post"},
}


@pytest.fixture(autouse=True)
def _room_settings(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    settings.TRUSTED_PROXIES = ["10.0.0.2"]


def _url(meeting: Meeting, tail: str) -> str:
    return f"/api/meetings/{meeting.pk}/{tail}"


def _check_in(client: Client, meeting: Meeting, **body: Any) -> Any:
    payload = {"location": "remote", "device_ok": True, **body}
    return client.post(
        _url(meeting, "identity-check"),
        payload,
        content_type="application/json",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="198.51.100.23",
    )


def _fresh(user: Any) -> None:
    SecondFactorVerification.objects.create(user=user, method="totp")


def test_the_openapi_schema_lists_the_room_endpoints(
    logged_in: Callable[..., Client], member: Any
) -> None:
    schema = logged_in(member).get("/api/openapi.json").json()
    for path, methods in ROOM_PATHS.items():
        assert set(schema["paths"][path]) == methods, path
    room = schema["paths"]["/api/meetings/{meeting_id}/room"]["get"]
    assert set(room["responses"]) == {"200", "403"}
    assert room["tags"] == ["room"]
    components = schema["components"]["schemas"]
    assert set(components["ErrorOut"]["properties"]) == {"code", "message"}
    assert {"version", "participants", "quorum", "floor", "incidents"} <= set(
        components["RoomOut"]["properties"]
    )
    # The endpoints that were there before are still there.
    assert "/api/meetings/{meeting_id}" in schema["paths"]
    assert "/api/meetings/{meeting_id}/agenda" in schema["paths"]


def test_the_room_endpoints_need_a_session_past_the_second_factor(
    client: Client, notified_meeting: Meeting
) -> None:
    for path, methods in ROOM_PATHS.items():
        url = path.replace("{meeting_id}", str(notified_meeting.pk))
        for method in methods:
            assert getattr(client, method)(url).status_code == 401, (method, url)


def test_the_snapshot_is_refused_before_the_identity_check(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member, "en")
    response = client.get(_url(notified_meeting, "room"))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "IDENTITY_CHECK_REQUIRED"
    assert body["message"] == "Confirm your identity for this meeting first."

    _fresh(member)
    assert _check_in(client, notified_meeting).status_code == 201

    snapshot = client.get(_url(notified_meeting, "room"))
    assert snapshot.status_code == 200
    room = snapshot.json()
    assert room["version"] == 1
    assert room["meeting"]["id"] == str(notified_meeting.pk)
    assert room["meeting"]["status"] == "notified"
    assert (
        room["meeting"]["number"]
        == f"{notified_meeting.number}/{notified_meeting.buddhist_year}"
    )
    assert [i["number"] for i in room["agenda"]] == ["1", "2", "3", "4", "5"]
    assert room["current_item"] is None
    assert room["me"] == {"id": str(member.pk), "console": False}
    assert room["incidents"] is None  # not the chair's console
    me = next(p for p in room["participants"] if p["id"] == str(member.pk))
    assert me["identified"] is True
    assert me["check_method"] == "second_factor"
    assert me["connected"] is False
    assert len(room["participants"]) == 9
    assert room["quorum"]["required"] == 4


def test_the_chair_sees_incidents_in_the_snapshot(
    logged_in: Callable[..., Client], notified_meeting: Meeting, chair: Any, member: Any
) -> None:
    room_incidents.report_incident(
        actor=member, meeting=notified_meeting, description="ภาพกระตุก"
    )
    client = logged_in(chair)
    _fresh(chair)
    _check_in(client, notified_meeting)
    room = client.get(_url(notified_meeting, "room")).json()
    assert room["me"]["console"] is True
    assert [i["description"] for i in room["incidents"]] == ["ภาพกระตุก"]


def test_the_identity_check_records_the_address_and_the_browser(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    _fresh(member)

    response = _check_in(client, notified_meeting, in_kingdom=True)

    assert response.status_code == 201
    body = response.json()
    check = IdentityCheck.objects.get(user=member)
    assert body["id"] == str(check.pk)
    assert (body["method"], body["factor"], body["factors"]) == (
        "second_factor",
        "totp",
        2,
    )
    assert (body["location"], body["in_kingdom"], body["device_ok"]) == (
        "remote",
        True,
        True,
    )
    assert (check.ip_address, check.user_agent) == ("198.51.100.23", BROWSER)
    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert (event.payload["ip"], event.payload["user_agent"]) == (
        "198.51.100.23",
        BROWSER,
    )


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any
) -> None:
    client = logged_in(member)
    _fresh(member)
    response = client.post(
        _url(notified_meeting, "identity-check"),
        {"location": "remote", "device_ok": True},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 201
    assert IdentityCheck.objects.get(user=member).ip_address == "203.0.113.99"


@pytest.mark.parametrize(
    ("fresh", "body", "code"),
    [
        (False, {}, "SECOND_FACTOR_NOT_FRESH"),
        (True, {"device_ok": False}, "DEVICE_CHECK_REQUIRED"),
        (True, {"location": "in_room"}, "NO_ROOM"),
    ],
)
def test_a_refused_identity_check_is_a_400_with_its_code(
    logged_in: Callable[..., Client],
    notified_meeting: Meeting,
    member: Any,
    fresh: bool,
    body: dict[str, Any],
    code: str,
) -> None:
    if fresh:
        _fresh(member)
    response = _check_in(logged_in(member), notified_meeting, **body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not IdentityCheck.objects.exists()


def test_an_outsider_finds_no_room(
    logged_in: Callable[..., Client], notified_meeting: Meeting, outsider: Any
) -> None:
    client = logged_in(outsider)
    _fresh(outsider)
    for path, methods in ROOM_PATHS.items():
        url = path.replace("{meeting_id}", str(notified_meeting.pk))
        for method in methods:
            response = getattr(client, method)(
                url,
                # A valid body for either POST, so the refusal is not a 422.
                {"description": "x", "location": "remote", "device_ok": True}
                if method == "post"
                else None,
                content_type="application/json",
            )
            assert response.status_code == 404, (method, url)
    assert not IdentityCheck.objects.exists()
    assert not Incident.objects.exists()


def test_an_invitee_not_admitted_for_the_item_gets_no_snapshot(
    logged_in: Callable[..., Client], notified_meeting: Meeting, committee: Committee
) -> None:
    invitee = MembershipFactory(
        committee=committee, role=Role.INVITEE, user=UserFactory()
    ).user
    client = logged_in(invitee)
    _fresh(invitee)
    assert _check_in(client, notified_meeting).status_code == 201
    response = client.get(_url(notified_meeting, "room"))
    assert (response.status_code, response.json()["code"]) == (403, "NOT_ADMITTED")


def test_any_participant_reads_the_quorum(
    logged_in: Callable[..., Client], notified_meeting: Meeting, member: Any, chair: Any
) -> None:
    _fresh(chair)
    room_participants.check_identity(
        meeting=notified_meeting, user=chair, location="remote", device_ok=True
    )
    room_connections.open_connection(
        meeting=notified_meeting,
        user=chair,
        channel_name="specific.inmemory!chair",
        session_key="k",
        ip_address="198.51.100.1",
        port=40000,
        user_agent=BROWSER,
    )
    response = logged_in(member).get(_url(notified_meeting, "quorum"))
    assert response.status_code == 200
    body = response.json()
    assert (body["required"], body["counted"], body["eligible"], body["met"]) == (
        4,
        1,
        8,
        False,
    )
    assert body["reasons"][0]["code"] == "QUORUM_NOT_MET"


def test_attendance_is_for_the_console_only(
    logged_in: Callable[..., Client],
    notified_meeting: Meeting,
    member: Any,
    secretary: Any,
) -> None:
    _fresh(member)
    room_participants.check_identity(
        meeting=notified_meeting, user=member, location="remote", device_ok=True
    )
    connection = room_connections.open_connection(
        meeting=notified_meeting,
        user=member,
        channel_name="specific.inmemory!m",
        session_key="k",
        ip_address="198.51.100.2",
        port=40001,
        user_agent=BROWSER,
    )
    room_connections.close_connection(connection_id=connection.pk, reason="left")

    refused = logged_in(member).get(_url(notified_meeting, "attendance"))
    assert (refused.status_code, refused.json()["code"]) == (403, "CONSOLE_ONLY")

    response = logged_in(secretary).get(_url(notified_meeting, "attendance"))
    assert response.status_code == 200
    [row] = response.json()
    assert row["user"] == str(member.pk)
    assert row["connection"] == str(connection.pk)
    assert row["auth_method"] == "second_factor:totp"
    assert row["reason"] == "left"
    assert row["left_at"] is not None
    assert row["reconnect"] is False


def test_reporting_and_listing_incidents(
    logged_in: Callable[..., Client],
    notified_meeting: Meeting,
    member: Any,
    chair: Any,
) -> None:
    client = logged_in(member)
    url = _url(notified_meeting, "incidents")
    not_yet = client.post(
        url, {"description": "เสียงขาด"}, content_type="application/json"
    )
    assert (not_yet.status_code, not_yet.json()["code"]) == (
        403,
        "IDENTITY_CHECK_REQUIRED",
    )
    _fresh(member)
    _check_in(client, notified_meeting)

    blank = client.post(url, {"description": "  "}, content_type="application/json")
    assert (blank.status_code, blank.json()["code"]) == (400, "REQUIRED")
    created = client.post(
        url, {"description": "เสียงขาด"}, content_type="application/json"
    )
    assert created.status_code == 201
    incident = Incident.objects.get()
    assert created.json()["id"] == str(incident.pk)
    assert (incident.kind, incident.reported_by) == ("reported", member)
    assert (
        list_events(chain_key=notified_meeting.chain_key).last().kind
        == "incident.recorded"
    )

    refused = client.get(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "CONSOLE_ONLY")
    listed = logged_in(chair).get(url)
    assert listed.status_code == 200
    assert [
        (i["id"], i["kind"], i["description"], i["handled_at"]) for i in listed.json()
    ] == [(str(incident.pk), "reported", "เสียงขาด", None)]
    assert listed.json()[0]["reported_by"] == str(member.pk)
