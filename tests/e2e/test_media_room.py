"""Two people meet through a real Janus, in two Chromium browsers, and are recorded.

Issue 5's acceptance test. Everything runs inside a network namespace the test makes
(``tests/netns.py``): Janus (ICE on the namespace's veth address only), the web app
(uvicorn in a thread started inside, so its calls to Janus and Janus's event POSTs
stay inside), Playwright's driver and both Chromiums. Nothing touches the machine's
own interfaces.

Each browser's fake microphone plays its own tone from a WAV (the chair 440 Hz, the
member 660 Hz). Both pass the identity check, the chair opens the meeting, the chair
joins with audio and video and the member with audio only; each hears the other.
They stay at least 20 s, leave, and the chair closes the meeting. Then each person's
recording must exist with a duration within 2 s of the time their media was
connected, and the meeting's mixed audio timeline must be loud in both people's
windows, with each person's own tone in it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from prachum.archive.recordings import DONE, process_recordings
from prachum.committees.models import QuorumKind, Role
from prachum.evidence.selectors import list_events
from prachum.media import postprocess
from prachum.media.services import recordings_dir_for
from prachum.media.watchdog import (
    process_and_dispatch,
    start_watchdog_thread,
    stop_watchdog_thread,
)
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.notices import services as notice_services
from prachum.verify import recordings as record
from tests.conftest import bangkok_at
from tests.e2e.conftest import AsgiServer
from tests.e2e.media_helpers import (
    PASSWORD,
    asgi_inside,
    chromium_args,
    database_reachable_inside,
    decode_mono,
    enter_room,
    media_status,
    rms,
    tone_strength,
    wait_media,
    write_tone,
)
from tests.factories import (
    AgencyFactory,
    CommitteeFactory,
    MembershipFactory,
    UserFactory,
)
from tests.media.netns_fixtures import netns_fixture, start_janus  # noqa: F401
from tests.netns import NetNamespace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TONES = {"chair": 440.0, "member": 660.0}
STAY_SECONDS = 22.0  # at least 20 s together, with a margin
DURATION_TOLERANCE = 2.0
SILENCE_RMS = 0.005  # silence (and Opus's comfort noise) is below 0.001
TONE_FLOOR = 0.01  # the tone after noise suppression is ≈ 0.03 full scale
DOWN_SECONDS = 3.0
TIMINGS: dict[str, float] = {}


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
def people(db: None) -> dict[str, Any]:
    """A chair and a member (both voting: the quorum is both), and a secretary."""
    committee = CommitteeFactory(
        agency=AgencyFactory(name="สำนักงานทดสอบสื่อ"),
        name="คณะกรรมการทดสอบภาพและเสียง",
        quorum_kind=QuorumKind.MORE_THAN_FRACTION,
        notice_min_days=3,
    )
    cast: dict[str, Any] = {"committee": committee}
    for username, role, name in (
        ("chair", Role.CHAIR, "ประธาน ภาพและเสียง"),
        ("member", Role.MEMBER, "กรรมการ ภาพและเสียง"),
        ("secretary", Role.SECRETARY, "เลขานุการ ภาพและเสียง"),
    ):
        user, secret = _person(username, name)
        MembershipFactory(committee=committee, user=user, role=role)
        cast[username] = (user, secret)
    return cast


@pytest.fixture
def media_meeting(people: dict[str, Any], settings: Any) -> Meeting:
    settings.IDENTITY_CHECK_FRESH_MINUTES = 10
    starts_at = bangkok_at(10)
    media_meeting = meeting_services.schedule_meeting(
        actor=people["secretary"][0],
        committee=people["committee"],
        title="การประชุมทดสอบภาพและเสียง",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        mode=MeetingMode.ELECTRONIC,
        venue="",
    )
    meeting_services.record_electronic_decision(
        actor=people["chair"][0], meeting=media_meeting
    )
    notice_services.send_notice(actor=people["secretary"][0], meeting=media_meeting)
    media_meeting.refresh_from_db()
    return media_meeting


def _use_janus(settings: Any, janus: Any) -> None:
    """Point the web app at the Janus inside the namespace."""
    config = janus.config
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_ENABLED = True
    settings.JANUS_SERVER_NAME = config.server_name
    settings.JANUS_HTTP_URL = janus.http_url
    settings.JANUS_ADMIN_URL = janus.admin_url
    settings.JANUS_WS_URL = janus.ws_url
    settings.JANUS_PUBLIC_URL = janus.http_url
    settings.JANUS_API_SECRET = config.api_secret
    settings.JANUS_ADMIN_SECRET = config.admin_secret
    settings.JANUS_TOKEN_SECRET = config.token_secret
    settings.JANUS_ROOM_ADMIN_KEY = config.room_admin_key
    settings.JANUS_EVENTS_SECRET = config.events_secret
    settings.JANUS_RECORDINGS_DIR = config.recordings_dir
    settings.MEDIA_ICE_SERVERS = []
    # The watchdog and presence rules have their own tests; here: media and records.
    settings.MEDIA_WATCHDOG = False
    settings.MEDIA_PRESENCE_ENFORCED = False


def _open_pages(
    playwright: Any, wavs: dict[str, Path]
) -> tuple[dict[str, Page], list[Any]]:
    """One Chromium per person, each with its own tone as the microphone."""
    pages: dict[str, Page] = {}
    browsers = []
    for name in ("chair", "member"):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=chromium_args(wavs[name])
        )
        browsers.append(browser)
        context = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok")
        context.set_default_timeout(20_000)
        pages[name] = context.new_page()
    return pages, browsers


def _enter_and_open(
    pages: dict[str, Page], base: str, people: dict[str, Any], media_meeting: Meeting
) -> None:
    """Both pass the identity check; the chair opens the meeting from the console."""
    for name in ("chair", "member"):
        user, secret = people[name]
        enter_room(pages[name], base, user, secret, str(media_meeting.pk))
    pages["chair"].locator("#console-open button[type=submit]").click()
    for page in pages.values():
        expect(page.locator("#meeting-status")).to_have_attribute("data-status", "open")
        expect(page.locator("#media-join-audio")).to_be_enabled()


def _meet(
    base: str, people: dict[str, Any], media_meeting: Meeting, wavs: dict[str, Path]
) -> dict[str, Any]:
    """The browsers' part, run in a thread inside the namespace."""
    out: dict[str, Any] = {}
    with sync_playwright() as playwright:
        pages, browsers = _open_pages(playwright, wavs)
        try:
            _enter_and_open(pages, base, people, media_meeting)
            chair, member = pages["chair"], pages["member"]
            chair.on("dialog", lambda dialog: dialog.accept())  # "close the meeting?"
            chair.locator("#media-join-video").click()
            member.locator("#media-join-audio").click()
            wait_media(chair, "m.state === 'publishing' && m.iceConnectedMs !== null")
            wait_media(member, "m.state === 'publishing' && m.iceConnectedMs !== null")
            # Each hears the other; the member also sees the chair's camera.
            wait_media(chair, "m.feeds === 1 && m.remoteAudio === 1")
            wait_media(
                member, "m.feeds === 1 && m.remoteAudio === 1 && m.remoteVideo === 1"
            )
            expect(member.locator(".media-tile[data-video=true] video")).to_have_count(
                1
            )

            together = time.monotonic()
            deadline = together + STAY_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.5)
            # Sound arrived (audio level from the receivers' statistics), the active
            # speaker is highlighted, and the quality indicator has figures.
            wait_media(chair, "Object.values(m.heard).some((v) => v > 0.01)")
            wait_media(member, "Object.values(m.heard).some((v) => v > 0.01)")
            wait_media(
                member, "m.speaker !== null && m.quality && m.quality.rttMs !== null"
            )
            expect(member.locator(".media-tile.speaking")).to_have_count(1)
            expect(chair.locator("#media-quality")).not_to_have_attribute(
                "data-quality", "unknown"
            )

            member.locator("#media-leave").click()
            time.sleep(2)  # the chair alone for a moment: the windows differ
            chair.locator("#media-leave").click()
            for name, page in pages.items():
                wait_media(page, "m.state === 'left'")
                out[name] = media_status(page)
            chair.locator("#console-close button[type=submit]").click()
            expect(chair.locator("#meeting-status")).to_have_attribute(
                "data-status", "closed"
            )
            out["stayed"] = time.monotonic() - together
        finally:
            for browser in browsers:
                browser.close()
    return out


def _recover(
    base: str,
    people: dict[str, Any],
    media_meeting: Meeting,
    wavs: dict[str, Path],
    janus: Any,
) -> dict[str, Any]:
    """Both publish; Janus is killed and started again; both come back by themselves."""
    out: dict[str, Any] = {}
    with sync_playwright() as playwright:
        pages, browsers = _open_pages(playwright, wavs)
        try:
            _enter_and_open(pages, base, people, media_meeting)
            for page in pages.values():
                page.locator("#media-join-audio").click()
            for page in pages.values():
                wait_media(page, "m.state === 'publishing' && m.remoteAudio === 1")
                wait_media(page, "Object.values(m.heard).some((v) => v > 0.01)")
            out["before"] = {n: media_status(p) for n, p in pages.items()}

            killed = time.monotonic()
            janus.kill()
            for page in pages.values():
                wait_media(page, "m.state === 'reconnecting'", timeout_ms=20_000)
                expect(page.locator("#media-state")).to_have_attribute(
                    "data-state", "reconnecting"
                )
            out["noticed (s)"] = time.monotonic() - killed
            # Down for a few seconds, as a crash and a restart by the service manager
            # would be: the watchdog (polling every 0.5 s) sees it and restores the
            # room when Janus is back.
            time.sleep(max(0.0, killed + DOWN_SECONDS - time.monotonic()))
            janus.start()
            restarted = time.monotonic()
            for page in pages.values():
                wait_media(
                    page,
                    "m.state === 'publishing' && m.feeds === 1 && m.remoteAudio === 1"
                    " && m.reconnects >= 1",
                    timeout_ms=60_000,
                )
            out["recovered (s)"] = time.monotonic() - restarted
            # Sound flows again, from the other's new feed.
            for page in pages.values():
                wait_media(
                    page,
                    "Object.values(m.heard).filter((v) => v > 0.01).length >= 2",
                )
            out["after"] = {n: media_status(p) for n, p in pages.items()}
        finally:
            for browser in browsers:
                browser.close()
    return out


@contextlib.contextmanager
def _media_stack(
    netns: NetNamespace, settings: Any, folder: Path, *, watchdog: bool = False
) -> Iterator[tuple[str, Any]]:
    """The web app and Janus inside the namespace, the web app using that Janus."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    # Post-processing runs in the test, as the worker would, once everything stopped.
    settings.RECORDINGS_POSTPROCESS = False
    events_secret = secrets.token_urlsafe(24)
    settings.JANUS_EVENTS_SECRET = events_secret
    with database_reachable_inside(), asgi_inside(netns) as web:
        janus = start_janus(
            netns,
            folder,
            events_url=f"{web.url}/internal/janus/events",
            events_secret=events_secret,
        )
        try:
            _use_janus(settings, janus)
            if watchdog:
                # Started from inside: its thread polls the Janus in the namespace.
                settings.MEDIA_WATCHDOG = True
                settings.MEDIA_WATCHDOG_INTERVAL = 0.5
                netns.run_in(start_watchdog_thread)
            yield web.url, janus
        finally:
            if watchdog:
                stop_watchdog_thread()
            janus.close()


def _window(samples: Sequence[int], rate: int, start_s: float, end_s: float) -> Any:
    return samples[max(0, int(start_s * rate)) : max(0, int(end_s * rate))]


def test_two_browsers_meet_through_janus_and_are_recorded(
    netns: NetNamespace,
    people: dict[str, Any],
    media_meeting: Meeting,
    settings: Any,
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    wavs = {
        name: write_tone(tmp_path / f"{name}.wav", hz=hz, seconds=90)
        for name, hz in TONES.items()
    }
    with _media_stack(netns, settings, tmp_path / "janus") as (base, _janus):
        result = netns.run_in(_meet, base, people, media_meeting, wavs, timeout=300)

    # What the worker does after close: Janus's events become traffic data (who each
    # publisher was), then the recordings are converted, mixed, hashed and sealed.
    process_and_dispatch(settle_seconds=0)
    settings.RECORDINGS_POSTPROCESS = True
    state = process_recordings(meeting_id=str(media_meeting.pk))
    assert state.state == DONE, state
    events = list(list_events(chain_key=media_meeting.chain_key))
    audio = [
        e.payload
        for e in events
        if e.kind == record.PROCESSED and e.payload["kind"] == "audio"
    ]
    (mixed,) = [e.payload for e in events if e.kind == record.MIXED]
    folder = recordings_dir_for(media_meeting.pk) / postprocess.PROCESSED_DIR
    mix, rate = decode_mono(folder / Path(mixed["path"]).name)
    origin_ms = record.to_ms(mixed["origin"])
    assert abs(len(mix) / rate * 1000 - mixed["duration_ms"]) < 500

    for name in ("chair", "member"):
        status = result[name]
        user = people[name][0]
        TIMINGS[f"{name}: page load -> ICE connected (s)"] = (
            status["iceConnectedMs"] / 1000
        )
        TIMINGS[f"{name}: join click -> ICE connected (s)"] = (
            status["iceConnectedMs"] - status["joinMs"]
        ) / 1000
        connected = status["connectedMs"] / 1000
        assert connected >= 20, (name, status)
        mine = [p for p in audio if p["participant"] == str(status["publisherId"])]
        assert mine, f"no audio recording of the {name}: {audio}"
        # Janus's events reached the web app inside the namespace: the recording is
        # tied to the person.
        assert {p["user"] for p in mine} == {str(user.pk)}
        recorded = 0.0
        for segment in mine:
            samples, seg_rate = decode_mono(folder / Path(segment["path"]).name)
            seconds = len(samples) / seg_rate
            assert abs(seconds * 1000 - segment["duration_ms"]) < 500, segment
            recorded += seconds
            # Their own tone, not the other's (Chromium's noise suppression
            # attenuates a steady tone: compare, with a floor far above silence).
            middle = samples[len(samples) // 2 : len(samples) // 2 + seg_rate]
            own = tone_strength(middle, seg_rate, TONES[name])
            other = tone_strength(middle, seg_rate, TONES[_other(name)])
            assert own > TONE_FLOOR, (name, own)
            assert own > 5 * other, (name, own, other)
            # The mixed timeline is loud in this person's window, with their tone.
            start = (segment["started_us"] / 1000 - origin_ms) / 1000
            end = start + seconds
            window = _window(mix, rate, start + 1, end - 1)
            assert len(window) > 15 * rate, (name, start, end, len(mix) / rate)
            level = rms(window)
            TIMINGS[f"{name}: mixed RMS in window"] = level
            assert level > SILENCE_RMS, (name, level)
            probe = _window(mix, rate, end - 3, end - 2)
            assert tone_strength(probe, rate, TONES[name]) > TONE_FLOOR, name
        TIMINGS[f"{name}: connected (s)"] = connected
        TIMINGS[f"{name}: recorded (s)"] = recorded
        assert abs(recorded - connected) <= DURATION_TOLERANCE, (
            name,
            recorded,
            connected,
        )
    TIMINGS["test (s)"] = time.monotonic() - started
    # The figures for the report (shown with -s or -rA).
    sys.stdout.write(json.dumps({k: round(v, 3) for k, v in TIMINGS.items()}) + "\n")


def _other(name: str) -> str:
    return "member" if name == "chair" else "chair"


def test_the_client_reconnects_by_itself_when_janus_comes_back(
    netns: NetNamespace,
    people: dict[str, Any],
    media_meeting: Meeting,
    settings: Any,
    tmp_path: Path,
) -> None:
    """Janus dies mid-meeting: each page shows it is reconnecting, and once Janus is
    back (the watchdog restores the room) both publish and hear each other again with
    a fresh token, and Janus records the new segments."""
    wavs = {
        name: write_tone(tmp_path / f"{name}.wav", hz=hz, seconds=120)
        for name, hz in TONES.items()
    }
    with _media_stack(netns, settings, tmp_path / "janus", watchdog=True) as (
        base,
        janus,
    ):
        result = netns.run_in(
            _recover, base, people, media_meeting, wavs, janus, timeout=300
        )
    TIMINGS["reconnect: Janus killed -> page shows reconnecting (s)"] = result[
        "noticed (s)"
    ]
    TIMINGS["reconnect: Janus back -> both publishing again (s)"] = result[
        "recovered (s)"
    ]
    folder = recordings_dir_for(media_meeting.pk)
    for name in ("chair", "member"):
        before, after = result["before"][name], result["after"][name]
        assert after["publisherId"] != before["publisherId"]  # a new join
        assert after["reconnects"] >= 1
        # Recording resumed: the new publisher has its own files.
        assert list(folder.glob(f"*-user-{after['publisherId']}-*-audio-*")), name
    sys.stdout.write(json.dumps({k: round(v, 3) for k, v in TIMINGS.items()}) + "\n")


def test_without_media_the_page_says_so_and_the_room_keeps_working(
    asgi_live_server: AsgiServer,
    browser: Browser,
    browser_context_args: dict[str, Any],
    people: dict[str, Any],
    media_meeting: Meeting,
    settings: Any,
) -> None:
    """Janus unreachable: the join answers 503, the page shows the message and keeps
    retrying, and the live room (socket, status, console) goes on working."""
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_HTTP_URL = "http://127.0.0.1:9/janus"  # discard port: refused
    settings.JANUS_ADMIN_URL = "http://127.0.0.1:9/admin"
    settings.MEDIA_WATCHDOG = False
    settings.MEDIA_PRESENCE_ENFORCED = False
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        user, secret = people["chair"]
        enter_room(page, asgi_live_server.url, user, secret, str(media_meeting.pk))
        page.fill("#open-reason", "ทดสอบเมื่อระบบภาพและเสียงขัดข้อง")
        page.locator("#console-open button[type=submit]").click()
        expect(page.locator("#meeting-status")).to_have_attribute("data-status", "open")
        with page.expect_response("**/media/join/") as answer:
            page.locator("#media-join-audio").click()
        assert answer.value.status == 503
        expect(page.locator("#media-error")).to_be_visible()
        expect(page.locator("#media-error")).not_to_be_empty()
        expect(page.locator("#media-state")).to_have_attribute(
            "data-state", "reconnecting"
        )
        assert media_status(page)["publishing"] is False
        # The rest of the room is unaffected.
        expect(page.locator("#connection-state")).to_have_attribute(
            "data-state", "connected"
        )
        page.locator("#hand-raise").click()
        expect(page.locator("#hands li")).to_have_count(1)
    finally:
        context.close()
