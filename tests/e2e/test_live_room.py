"""Three people in the live meeting room, in three browsers sharing one Chromium.

The committee has four voting members and needs more than half (3 of 4): the chair and
members A and B make the quorum, so it hangs on B. Each person logs in, passes the
identity check page (with Chromium's fake microphone) and enters the room; the chair
opens the meeting from the console. B's browser then goes away: every page shows the
quorum lost and the chair sees B's ``connection_lost`` incident. A's connection drops
while the chair moves to another item; on reconnecting A's page is resynced from the
snapshot and shows the same item and version as the chair's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from prachum.attendance.models import Connection, Incident, IncidentKind, RoomState
from prachum.committees.models import QuorumKind, Role
from prachum.domain.quorum import QuorumRule, required_count
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.meetings.selectors import numbered_agenda
from prachum.notices import services as notice_services
from tests.conftest import bangkok_at
from tests.e2e.conftest import AsgiServer
from tests.factories import (
    AgencyFactory,
    CommitteeFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-demo-passphrase-42"
FALLBACK = "โทรศัพท์ถึงเลขานุการ 0 2222 0001"
TIMEOUT_MS = 15_000


def _person(username: str, full_name: str) -> tuple[Any, str]:
    secret = pyotp.random_base32()
    user = UserFactory(
        username=username,
        full_name=full_name,
        second_factor="totp",
        totp_secret=secret,
        totp_confirmed_at=timezone.now(),
    )
    user.set_password(PASSWORD)
    user.save()
    return user, secret


@pytest.fixture
def cast(db: None) -> dict[str, tuple[Any, str]]:
    """Chair, members A, B and C (voting), a secretary; quorum more than half."""
    committee = CommitteeFactory(
        agency=AgencyFactory(name="สำนักงานทดสอบ"),
        name="คณะกรรมการทดสอบห้องประชุม",
        quorum_kind=QuorumKind.MORE_THAN_FRACTION,
        notice_min_days=3,
        fallback_channel=FALLBACK,
    )
    people = {
        "chair": (Role.CHAIR, "ประธาน ห้องประชุม"),
        "member_a": (Role.MEMBER, "กรรมการ เอ"),
        "member_b": (Role.MEMBER, "กรรมการ บี"),
        "member_c": (Role.MEMBER, "กรรมการ ซี"),
        "secretary": (Role.SECRETARY, "เลขานุการ ห้องประชุม"),
    }
    cast = {}
    for username, (role, name) in people.items():
        user, secret = _person(username, name)
        MembershipFactory(committee=committee, user=user, role=role)
        cast[username] = (user, secret)
    cast["committee"] = (committee, "")
    return cast


@pytest.fixture
def notified(cast: dict[str, tuple[Any, str]], settings: Any) -> Meeting:
    """Scheduled, decided electronic by the chair, notice sent by the secretary."""
    settings.IDENTITY_CHECK_FRESH_MINUTES = 10
    committee = cast["committee"][0]
    starts_at = bangkok_at(10)
    meeting = meeting_services.schedule_meeting(
        actor=cast["secretary"][0],
        committee=committee,
        title="การประชุมทดสอบห้องประชุมออนไลน์",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        mode=MeetingMode.ELECTRONIC,
        venue="",
    )
    meeting_services.record_electronic_decision(actor=cast["chair"][0], meeting=meeting)
    notice_services.send_notice(actor=cast["secretary"][0], meeting=meeting)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def room_contexts(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[dict[str, BrowserContext]]:
    opened = {
        name: browser.new_context(**browser_context_args)
        for name in ("chair", "member_a", "member_b")
    }
    for context in opened.values():
        context.set_default_timeout(TIMEOUT_MS)
    yield opened
    for context in opened.values():
        with contextlib.suppress(Exception):  # some are closed by the test
            context.close()


def _enter_room(
    page: Page, base: str, user: Any, secret: str, meeting: Meeting
) -> None:
    """Log in with password and TOTP, then pass the identity check page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/**")
    page.locator("input[name=code]").first.fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/meetings/")

    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.locator("#enter-room").click()
    # Not identified yet: the room sends us to the identity check.
    page.wait_for_url(f"**/meetings/{meeting.pk}/room/check/")
    expect(page.locator("input[name=code]")).to_have_count(0)  # login code is fresh
    expect(page.locator("#id_device_ok")).to_be_disabled()
    page.locator("#device-start").click()
    expect(page.locator("#id_device_ok")).to_be_enabled()
    # Chromium's fake microphone beeps: the meter moves.
    page.wait_for_function(
        "() => document.getElementById('mic-level').dataset.moved === 'true'",
        timeout=TIMEOUT_MS,
    )
    page.locator("#id_device_ok").check()
    page.locator("#check-submit").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/room/")
    expect(page.locator("#connection-state")).to_have_attribute(
        "data-state", "connected"
    )


def _same_version(chair: Page, other: Page, *, timeout: float = 15) -> str:
    """Wait until both pages show the room at the same version; return it."""
    deadline = time.monotonic() + timeout
    while True:
        mine = chair.locator("#room-version").text_content()
        theirs = other.locator("#room-version").text_content()
        if mine == theirs or time.monotonic() > deadline:
            assert mine == theirs
            return str(mine)
        time.sleep(0.1)


def test_live_room_quorum_incidents_and_resync(
    asgi_live_server: AsgiServer,
    cast: dict[str, tuple[Any, str]],
    notified: Meeting,
    room_contexts: dict[str, BrowserContext],
) -> None:
    base = asgi_live_server.url
    meeting = notified
    rule = QuorumRule(kind="more_than_fraction")
    assert required_count(rule, 4) == 3  # chair + A + B, and not one fewer

    pages = {name: context.new_page() for name, context in room_contexts.items()}
    for name in ("member_a", "member_b", "chair"):
        user, secret = cast[name]
        _enter_room(pages[name], base, user, secret, meeting)
    chair, page_a = pages["chair"], pages["member_a"]

    for page in pages.values():
        expect(page.locator("#quorum-counted")).to_have_text("3")
        expect(page.locator("#quorum-required")).to_have_text("3")
        expect(page.locator("#quorum-status")).to_have_attribute("data-met", "true")
        expect(page.locator("#fallback-channel")).to_have_text(FALLBACK)
        expect(page.locator("#meeting-status")).to_have_attribute(
            "data-status", "notified"
        )
    expect(page_a.locator("#console")).to_have_count(0)  # members have no console

    # The chair opens the meeting through the console.
    expect(chair.locator("#console")).to_be_visible()
    chair.locator("#console-open button[type=submit]").click()
    for page in pages.values():
        expect(page.locator("#meeting-status")).to_have_attribute("data-status", "open")
        expect(page.locator("#current-item")).to_contain_text("1")

    # B's browser goes away: the quorum is lost in every remaining page.
    member_b = cast["member_b"][0]
    room_contexts["member_b"].close()
    for page in (chair, page_a):
        expect(page.locator("#quorum-counted")).to_have_text("2")
        expect(page.locator("#quorum-status")).to_have_attribute("data-met", "false")
        expect(
            page.locator(f"#participants li[data-id='{member_b.pk}']")
        ).to_have_attribute("data-connected", "false")
    lost = chair.locator("#incidents li[data-kind=connection_lost]")
    expect(lost).to_have_count(1)
    expect(lost).to_contain_text("กรรมการ บี")
    expect(chair.locator("#incidents li[data-kind=quorum_lost]")).to_have_count(1)

    # A's connection drops; while A is away the chair moves to agenda item 2.
    context_a = room_contexts["member_a"]
    context_a.set_offline(True)
    page_a.evaluate("window.prachumRoom.socket && window.prachumRoom.socket.close()")
    expect(page_a.locator("#connection-state")).to_have_attribute(
        "data-state", "reconnecting"
    )
    item_two = next(r for r in numbered_agenda(meeting=meeting) if r.number == "2")
    chair.select_option("#item-select", str(item_two.item.pk))
    chair.locator("#console-item button[type=submit]").click()
    expect(chair.locator("#current-item")).to_contain_text(item_two.item.title)
    expect(page_a.locator("#current-item")).not_to_contain_text(item_two.item.title)

    context_a.set_offline(False)
    expect(page_a.locator("#connection-state")).to_have_attribute(
        "data-state", "resynced", timeout=20_000
    )
    expect(page_a.locator("#current-item")).to_contain_text(item_two.item.title)
    version = _same_version(chair, page_a)
    assert int(version) == RoomState.objects.get(meeting=meeting).version
    expect(page_a.locator("#connection-state")).to_contain_text(version)
    expect(page_a.locator("#quorum-counted")).to_have_text("2")

    # The record: B's connection ended as lost, with the incident the chair saw.
    assert Connection.objects.get(meeting=meeting, user=member_b).disconnect_reason == (
        "lost"
    )
    incident = Incident.objects.get(
        meeting=meeting, kind=IncidentKind.CONNECTION_LOST, subject=member_b
    )
    assert incident.reported_by is None
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert "meeting.opened" in kinds
    assert kinds.count("participant.identity_confirmed") == 3
    assert "agenda.item_started" in kinds


def test_room_script_applies_events_in_version_order(
    asgi_live_server: AsgiServer,
    cast: dict[str, tuple[Any, str]],
    notified: Meeting,
    room_contexts: dict[str, BrowserContext],
) -> None:
    """Older events are ignored, the next one applied, a gap refetches the snapshot."""
    page = room_contexts["chair"].new_page()
    user, secret = cast["chair"]
    _enter_room(page, asgi_live_server.url, user, secret, notified)
    expect(page.locator("#quorum-counted")).to_have_text("1")
    version = int(str(page.locator("#room-version").text_content()))
    page.evaluate(
        """() => {
          const socket = window.prachumRoom.socket;
          const send = socket.send.bind(socket);
          window.sentTypes = [];
          socket.send = (data) => { window.sentTypes.push(JSON.parse(data).type); send(data); };
        }"""
    )
    feed = "frame => window.prachumRoom.receive(frame)"
    quorum = {"required": 3, "counted": 7, "eligible": 4, "met": True, "reasons": []}

    page.evaluate(
        feed,
        {"type": "event", "kind": "x", "version": version, "patch": {"quorum": quorum}},
    )
    expect(page.locator("#quorum-counted")).to_have_text("1")  # already seen

    newcomer = {
        "id": "00000000-0000-0000-0000-00000000000a",
        "name": "ผู้มาใหม่",
        "role": "member",
        "voting": True,
        "identified": False,
        "check_method": None,
        "connected": True,
        "mode": "remote",
    }
    page.evaluate(
        feed,
        {
            "type": "event",
            "kind": "x",
            "version": version + 1,
            "patch": {"quorum": quorum, "participant": newcomer},
        },
    )
    expect(page.locator("#quorum-counted")).to_have_text("7")
    expect(page.locator("#room-version")).to_have_text(str(version + 1))
    expect(page.locator(f"#participants li[data-id='{newcomer['id']}']")).to_have_count(
        1
    )

    page.evaluate(
        feed,
        {"type": "event", "kind": "x", "version": version + 3, "patch": {}},
    )
    # The gap: the page asks for the snapshot, and the server's state replaces its own.
    expect(page.locator("#connection-state")).to_have_attribute(
        "data-state", "resynced"
    )
    expect(page.locator("#quorum-counted")).to_have_text("1")
    expect(page.locator("#room-version")).to_have_text(str(version))
    expect(page.locator("#participants li[data-id]")).to_have_count(5)
    assert "snapshot.get" in page.evaluate("window.sentTypes")
