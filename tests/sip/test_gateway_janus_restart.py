"""Janus restarting restores the bridge (issue 17 point 5): the calls never drop.

Two members are in the meeting by telephone when Janus is killed (``kill -9``, as a
crash) and started again with the same configuration and ports. The gateway notices
that Janus lost the callers' legs: their audio goes down in the chain (the room
recomputes the quorum without them), then each caller gets a new AudioBridge leg
(``sip.call_rejoined`` in the chain, a new participant id) and the meeting's bridge
to the VideoRoom is rebuilt. After the restart one caller hears the other and a browser participant again, and neither
SIPp call ever saw its dialog end before its own BYE.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.evidence.models import EvidenceEvent
from prachum.meetings.models import Meeting
from prachum.room.events import RoomEvent
from prachum.telephony.events import TelephonyEvent
from prachum.telephony.models import SipCall
from tests.e2e.media_helpers import tone_strength
from tests.media.bots import BotLoop
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
from tests.sip.gateway_stack import RunningGateway
from tests.sip.test_gateway_e2e import (  # noqa: F401  (fixtures)
    A_HZ,
    BOT_HZ,
    SPEECH_SECONDS,
    _bot,
    _identified,
    _window,
    sip_room_fixture,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Seconds from the PINs to the talker's speech: enough for the callers to be in,
#: Janus to be killed and restarted, and the legs and the bridge to be rebuilt.
TALK_AFTER_PINS = 40.0


def _events(meeting: Meeting, kind: str) -> list[dict[str, Any]]:
    return [
        e.payload
        for e in EvidenceEvent.objects.filter(chain__key=meeting.chain_key, kind=kind)
    ]


def _audio_down(meeting: Meeting, user_ids: set[str]) -> bool:
    down = {
        change["user"]
        for payload in _events(meeting, RoomEvent.MEDIA_PRESENCE_CHANGED)
        for change in payload.get("changes", [])
        if change.get("audio_up") is False and change.get("reason") == "sip_leg_lost"
    }
    return user_ids <= down


def test_janus_restarting_restores_the_callers_and_the_bridge(
    netns: NetNamespace,
    netns_janus: NetnsJanus,
    bot_loop: BotLoop,
    sip_room: tuple[Meeting, RunningGateway],
    members: list[Any],
    tmp_path: Path,
) -> None:
    meeting, running = sip_room
    talker, listener = members[2], members[3]
    code = dial_code_for(meeting)
    speech = audio.tone_pattern(3, SPEECH_SECONDS, frequency=A_HZ)
    with contextlib.ExitStack() as stack:
        callers = stack.enter_context(
            Callers(netns, tmp_path / "callers", gateway=running.address)
        )
        talking = callers.start(
            "talker",
            CallPlan(
                dial=code,
                pins=[pin_for(meeting, talker) + "#"],
                speech=speech,
                after_pins=TALK_AFTER_PINS,
                listen=3.0,
            ),
            timeout=150,
        )
        listening = callers.start(
            "listener",
            CallPlan(
                dial=code,
                pins=[pin_for(meeting, listener) + "#"],
                after_pins=1.0,
                listen=TALK_AFTER_PINS + SPEECH_SECONDS + 8.0,
            ),
            timeout=150,
        )
        calls = wait_for(lambda: _identified(meeting, 2), 40, "two callers identified")
        before = {c.pk: c.audio_participant for c in calls}
        assert all(before.values()), before
        user_ids = {str(c.user_id) for c in calls}

        # Janus dies as in a crash: the gateway sees the legs lost, audio down.
        netns_janus.kill()
        wait_for(lambda: _audio_down(meeting, user_ids), 20, "callers' audio down")
        netns_janus.start()

        # Back: a new leg for each caller, in the chain, the call kept.
        def rejoined() -> list[SipCall]:
            now = list(SipCall.objects.filter(pk__in=before))
            moved = [
                c
                for c in now
                if c.audio_participant and c.audio_participant != before[c.pk]
            ]
            return moved if len(moved) == 2 else []

        after = wait_for(rejoined, 40, "both callers on new legs")
        assert all(c.ended_at is None for c in after)
        rejoins = _events(meeting, TelephonyEvent.SIP_CALL_REJOINED)
        assert {
            (r["previous_participant"], r["audio_participant"]) for r in rejoins
        } >= {(before[c.pk], c.audio_participant) for c in after}
        # A browser joins the VideoRoom again (as browsers reconnect): the rebuilt
        # bridge brings its audio to the callers.
        publisher = _bot(netns, netns_janus, meeting, bot_loop)
        stack.callback(lambda: bot_loop.call(publisher.stop()))
        assert talking.seconds_until(talking.planned.speech_at) > 3.0, (
            "the restart took longer than the plan allows"
        )
        results = callers.wait(timeout=150)
        for name, result in results.items():
            assert result.ok, f"{name}: {result.explain()}"
        heard = callers.heard("listener")

    ended = {c.user_id: c for c in SipCall.objects.filter(pk__in=before)}
    assert ended[talker.pk].end_reason == "bye"
    assert ended[listener.pk].end_reason == "bye"
    # The talker's speech on the listener's timeline: the listener's SIPp started a
    # little later (its long plan took time to write).
    at = talking.planned.speech_at - (listening.started - talking.started)
    window = _window(heard, at - 2.0, at + SPEECH_SECONDS + 2.5)
    samples = audio.samples(window)
    assert tone_strength(samples, 8000, A_HZ) > 0.02
    assert tone_strength(samples, 8000, BOT_HZ) > 0.02
    assert audio.correlate(window, speech, max_lag=4.5).value > 0.5
