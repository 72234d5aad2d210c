"""Telephones in a meeting, end to end (issue 17 acceptance): SIPp callers in the test
namespace call the real gateway, which uses a real Janus and the test database.

Two members key their personal PINs, are counted in the quorum, hear each other and
a browser participant (an aiortc bot publishing into the VideoRoom), are recorded (the
caller's ``.mjr`` decodes to what they sent), are muted and removed by the chair, and
one votes by keypad in an open and a secret poll; a stranger keying wrong PINs three
times is cut off with an incident. A caller sending 30 ms G.711 is heard by the
others (repacketised by the gateway), never silently dropped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections

from prachum.attendance.models import Connection, Incident
from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.media.audiobridge import AudioBridge
from prachum.media.loader import get_audiobridge
from prachum.media.services import recordings_dir_for
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.room import media_controls
from prachum.room import participants as room_participants
from prachum.room.facts import room_facts
from prachum.room.incident_text import SIP_PIN_TRIES_EXHAUSTED
from prachum.room.quorum import room_quorum
from prachum.telephony.models import SipCall
from prachum.voting import polls
from prachum.voting.models import Poll, VoteParticipation
from tests.e2e.media_helpers import database_reachable_inside, tone_strength
from tests.e2e.test_media_room import _use_janus
from tests.media.bots import AudioPublisher, BotLoop, ToneTrack
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    NetnsJanus,
    bot_loop_fixture,
    netns_janus_fixture,
    open_room,
)
from tests.netns import NetNamespace
from tests.sip import audio
from tests.sip.callers import Callers
from tests.sip.calls import CallPlan
from tests.sip.gateway_stack import RunningGateway, gateway_inside
from tests.sip.mjr import mjr_pcm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOT_HZ, A_HZ, B_HZ = 400.0, 1000.0, 650.0
SPEECH_SECONDS = 6.0


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture(name="sip_room")
def sip_room_fixture(
    netns: NetNamespace,
    netns_janus: NetnsJanus,
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],  # noqa: F811  (the room fixture)
    settings: Any,
    sipp_tools: None,
) -> Iterator[tuple[Meeting, RunningGateway]]:
    """The meeting opened with its VideoRoom on the namespace's Janus, and the gateway."""
    _use_janus(settings, netns_janus)
    settings.SIP_ENABLED = True
    settings.SIP_PIN_TRIES = 3
    with database_reachable_inside():
        meeting = netns.run_in(open_room, notified_meeting, timeout=60)
        with gateway_inside(netns) as running:
            yield meeting, running


def _bot(
    netns: NetNamespace, netns_janus: NetnsJanus, meeting: Meeting, bot_loop: BotLoop
) -> Any:
    from tests.media.netns_fixtures import open_room as open_media_room

    access = netns.run_in(
        open_media_room,
        netns_janus,
        recordings_dir_for(meeting.pk),
        meeting_id=str(meeting.pk),
    )
    publisher = AudioPublisher(access, "browser", ToneTrack(frequency=int(BOT_HZ)))
    bot_loop.call(publisher.start())
    return publisher


def _window(pcm: bytes, start: float, end: float) -> bytes:
    return pcm[max(0, int(start * 8000)) * 2 : max(0, int(end * 8000)) * 2]


def _identified(meeting: Meeting, count: int) -> list[SipCall]:
    calls = list(SipCall.objects.filter(meeting=meeting, identified_at__isnull=False))
    return calls if len(calls) >= count else []


def test_two_callers_identify_hear_vote_are_muted_removed_and_recorded(
    netns: NetNamespace,
    netns_janus: NetnsJanus,
    bot_loop: BotLoop,
    sip_room: tuple[Meeting, RunningGateway],
    members: list[Any],
    chair: Any,
    tmp_path: Path,
) -> None:
    meeting, running = sip_room
    a_user, b_user = members[2], members[3]
    code = dial_code_for(meeting)
    pins = {"a": pin_for(meeting, a_user), "b": pin_for(meeting, b_user)}
    speech = {
        "a": audio.tone_pattern(1, SPEECH_SECONDS, frequency=A_HZ),
        "b": audio.tone_pattern(2, SPEECH_SECONDS, frequency=B_HZ),
    }
    publisher = _bot(netns, netns_janus, meeting, bot_loop)
    quorum_before = room_quorum(
        meeting=meeting, facts=room_facts(meeting=meeting), audio=None
    ).counted
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: bot_loop.call(publisher.stop()))
        callers = stack.enter_context(
            Callers(netns, tmp_path / "callers", gateway=running.address)
        )
        plan = {
            "a": CallPlan(
                dial=code,
                pins=[pins["a"] + "#"],
                speech=speech["a"],
                after_pins=7.0,
                keys=[(12.0, "1"), (22.0, "3")],
                listen=40.0,
                ending="expect_bye",
                bye_timeout=60.0,
            ),
            "b": CallPlan(
                dial=code,
                pins=[pins["b"] + "#"],
                speech=speech["b"],
                after_pins=7.0,
                listen=40.0,
                ending="bye",
            ),
            "stranger": CallPlan(
                dial=code,
                pins=["000000#", "999999#", "123123#"],
                pin_gap=6.0,
                listen=30.0,
                ending="expect_bye",
            ),
        }
        started = {
            name: callers.start(name, p, timeout=150) for name, p in plan.items()
        }

        # Both members identified and in the room: two more counted (R13, R22).
        calls = wait_for(lambda: _identified(meeting, 2), 40, "two callers identified")
        by_user = {c.user_id: c for c in calls}
        assert set(by_user) == {a_user.pk, b_user.pk}
        assert {c.identified_by for c in calls} == {"pin"}
        connections = Connection.objects.filter(
            meeting=meeting, channel_name__startswith="sip:", disconnected_at=None
        )
        assert {c.user_id for c in connections} == {a_user.pk, b_user.pk}
        assert {c.auth_method for c in connections} == {"sip_pin:pin"}
        counted = room_quorum(
            meeting=meeting, facts=room_facts(meeting=meeting), audio=None
        )
        assert counted.counted == quorum_before + 2
        assert {str(a_user.pk), str(b_user.pk)} <= set(counted.counted_ids)

        # The chair opens an open vote after the speech; A keys 1 (approve).
        caller_a = started["a"]
        speech_end = caller_a.planned.speech_at + SPEECH_SECONDS + 0.5
        time.sleep(max(0.0, caller_a.seconds_until(speech_end)))
        item = meeting.agenda_items.order_by("position").last()

        def open_vote(secret: bool) -> Poll:
            room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
            poll = polls.create_poll(
                actor=chair,
                item=item,
                kind="motion",
                question="อนุมัติ" if not secret else "ลับ",
                secret=secret,
            )
            return polls.open_poll(actor=chair, poll=poll)

        open_vote_poll = netns.run_in(open_vote, False)
        assert caller_a.seconds_until(caller_a.planned.keys_at[0]) > 1.0
        wait_for(
            lambda: VoteParticipation.objects.filter(
                poll=open_vote_poll, voter=a_user
            ).exists(),
            20,
            "A's keypad ballot in the open poll",
        )
        closed = netns.run_in(
            lambda: polls.close_poll(
                actor=chair,
                poll=open_vote_poll,
                without_quorum_reason="",
            )
        )
        assert closed.tally is not None
        assert closed.tally["yes"] == 1, closed.tally

        # A secret vote: A keys 3 (abstain); nothing links A to the choice.
        secret_poll = netns.run_in(open_vote, True)
        assert caller_a.seconds_until(caller_a.planned.keys_at[1]) > 0.5
        wait_for(
            lambda: VoteParticipation.objects.filter(
                poll=secret_poll, voter=a_user
            ).exists(),
            20,
            "A's keypad ballot in the secret poll",
        )
        secret_closed = netns.run_in(
            lambda: polls.close_poll(actor=chair, poll=secret_poll)
        )
        assert secret_closed.tally["abstain"] == 1, secret_closed.tally

        # The chair mutes B: the AudioBridge mutes B's leg (R18).
        netns.run_in(
            media_controls.mute_participant, actor=chair, meeting=meeting, user=b_user
        )
        bridge: AudioBridge = get_audiobridge()
        b_call = SipCall.objects.get(pk=by_user[b_user.pk].pk)
        muted = netns.run_in(
            lambda: {
                p.id: p.muted for p in bridge.list_participants(room=b_call.audio_room)
            }
        )
        assert muted[b_call.audio_participant] is True

        # The chair removes A: the gateway hangs up (A's SIPp expects the BYE).
        netns.run_in(
            room_participants.remove_participant,
            actor=chair,
            meeting=meeting,
            user=a_user,
            reason="ทดสอบการให้ออกจากที่ประชุม",
        )
        results = callers.wait(timeout=150)
        for name, result in results.items():
            assert result.ok, f"{name}: {result.explain()}"
        heard = {name: callers.heard(name) for name in ("a", "b")}

    # The gateway ends each call in the record once its dialogue is over.
    wait_for(
        lambda: not SipCall.objects.filter(meeting=meeting, ended_at=None).exists(),
        15,
        "every call ended in the record",
    )
    a_call = SipCall.objects.get(pk=by_user[a_user.pk].pk)
    b_call = SipCall.objects.get(pk=by_user[b_user.pk].pk)
    assert a_call.end_reason == "removed"
    assert a_call.connection.disconnect_reason == "removed"
    assert b_call.end_reason == "bye"
    assert b_call.connection.disconnect_reason == "left"

    # Three wrong PINs: the call ended, an incident in the meeting (R42).
    stranger = SipCall.objects.get(meeting=meeting, user__isnull=True)
    assert stranger.failed_pin_tries == 3
    assert stranger.end_reason == "pin_tries"
    assert Incident.objects.filter(
        meeting=meeting, description__startswith=SIP_PIN_TRIES_EXHAUSTED
    ).exists()

    # Each hears the other and the browser, not themselves (mix-minus-self).
    at = started["a"].planned.speech_at
    for me, other, other_hz, my_hz in (("a", "b", B_HZ, A_HZ), ("b", "a", A_HZ, B_HZ)):
        window = _window(heard[me], at - 1.0, at + SPEECH_SECONDS + 1.5)
        samples = audio.samples(window)
        other_level = tone_strength(samples, 8000, other_hz)
        bot_level = tone_strength(samples, 8000, BOT_HZ)
        own_level = tone_strength(samples, 8000, my_hz)
        assert other_level > 0.02, (me, other_level)
        assert bot_level > 0.02, (me, bot_level)
        assert own_level < other_level / 5, (me, own_level, other_level)
        match = audio.correlate(window, speech[other], max_lag=3.0)
        # Random on/off patterns: another caller's correlates near 0 (harness tests).
        assert match.value > 0.4, (me, match)

    # A's own recording decodes to what A sent.
    found = sorted(recordings_dir_for(meeting.pk).glob(f"*member-{a_user.pk}*.mjr"))
    assert found, list(recordings_dir_for(meeting.pk).iterdir())
    (tmp_path / "mjr").mkdir()
    recorded = mjr_pcm(found[0], folder=tmp_path / "mjr")
    assert audio.correlate(recorded, speech["a"], max_lag=20.0).value > 0.8


def test_a_30_ms_caller_is_heard_by_the_others(
    netns: NetNamespace,
    sip_room: tuple[Meeting, RunningGateway],
    members: list[Any],
    tmp_path: Path,
) -> None:
    meeting, running = sip_room
    talker, listener = members[2], members[3]
    code = dial_code_for(meeting)
    source = audio.tone_pattern(7, SPEECH_SECONDS, frequency=A_HZ)
    with Callers(netns, tmp_path / "callers", gateway=running.address) as callers:
        callers.start(
            "talker",
            CallPlan(
                dial=code,
                pins=[pin_for(meeting, talker) + "#"],
                speech=source,
                after_pins=7.0,
                listen=3.0,
                ptime=30,
            ),
        )
        listening = callers.start(
            "listener",
            CallPlan(
                dial=code,
                pins=[pin_for(meeting, listener) + "#"],
                after_pins=7.0,
                listen=SPEECH_SECONDS + 6.0,
            ),
        )
        results = callers.wait(timeout=120)
        for name, result in results.items():
            assert result.ok, f"{name}: {result.explain()}"
        heard = callers.heard("listener")
    # The 30 ms offer was answered at 20 ms, and what came at 30 ms was repacketised.
    talker_call = SipCall.objects.get(meeting=meeting, user=talker)
    assert talker_call.codec == "pcma"
    at = listening.planned.speech_at
    window = _window(heard, at - 1.0, at + SPEECH_SECONDS + 2.0)
    assert tone_strength(audio.samples(window), 8000, A_HZ) > 0.02
    assert audio.correlate(window, source, max_lag=3.0).value > 0.5
    assert not Incident.objects.filter(
        meeting=meeting, description__startswith="MEDIA_LOST"
    ).exists()
