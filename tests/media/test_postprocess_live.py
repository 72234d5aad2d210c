"""Post-processing what a real Janus recorded just now (issue 5, item 8).

Two aiortc bots publish tones through Janus in the test's own network namespace
(``tests/netns.py``, ``tests/media/bots.py``); bob joins later, leaves, and comes back (a
second segment). Then the worker's code converts the folder, attributes each file to its
person through the VideoRoom ``joined`` traffic rows, and mixes one timeline: each
segment's duration is within 1 s of its publish time, and the mixed timeline is loud
where someone spoke and silent where nobody did.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.utils import timezone

from prachum.media import postprocess
from prachum.media.models import MediaTrafficRecord, TrafficKind
from tests.media.bots import Access, AudioPublisher, BotLoop, ToneTrack
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    NetnsJanus,
    bot_loop_fixture,
    netns_fixture,
    netns_janus_fixture,
    open_room,
)
from tests.media.test_postprocess import require_media_tools, rms_windows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _publish(
    bot_loop: BotLoop, access: Access, name: str, frequency: int
) -> AudioPublisher:
    publisher = AudioPublisher(access, name, ToneTrack(frequency=frequency))
    bot_loop.call(publisher.start())
    return publisher


def test_live_recordings_are_converted_attributed_and_mixed(
    netns_janus: NetnsJanus, bot_loop: BotLoop, tmp_path: Path
) -> None:
    require_media_tools()
    rec_dir = tmp_path / "recordings"
    access = open_room(netns_janus, rec_dir)
    alice = _publish(bot_loop, access, "alice", 400)
    time.sleep(2)
    bob = _publish(bot_loop, access, "bob", 600)
    time.sleep(3)
    bot_loop.call(bob.stop())
    bob_first = (bob.joined_at, time.time())
    time.sleep(2)
    bob_again = _publish(bot_loop, access, "bob", 600)
    time.sleep(2)
    bot_loop.call(bob_again.stop())
    bob_second = (bob_again.joined_at, time.time())
    time.sleep(1)
    bot_loop.call(alice.stop())
    alice_span = (alice.joined_at, time.time())
    # what the event ingestion stores from the VideoRoom "joined" events
    for publisher, user in ((alice, "1"), (bob, "2"), (bob_again, "2")):
        MediaTrafficRecord.objects.create(
            at=timezone.now(),
            server=netns_janus.media.name,
            kind=TrafficKind.JOINED,
            room=access.room,
            participant=publisher.id,
            user_key=user,
        )
    deadline = time.monotonic() + 5  # Janus renames .mjr.tmp when a recorder closes
    while time.monotonic() < deadline and any(
        p.name.endswith(".tmp") for p in rec_dir.iterdir()
    ):
        time.sleep(0.1)

    result = postprocess.process_folder(rec_dir, server=netns_janus.media.name)

    assert result.unreadable == []
    by_user: dict[str | None, list[postprocess.Segment]] = {}
    for segment in result.segments:
        by_user.setdefault(segment.user, []).append(segment)
    assert sorted(by_user) == ["1", "2"]
    expected = {"1": [alice_span], "2": [bob_first, bob_second]}
    for user, spans in expected.items():
        segments = sorted(by_user[user], key=lambda s: s.started_us)
        assert len(segments) == len(spans)
        for segment, (began, ended) in zip(segments, spans, strict=True):
            assert abs(segment.duration_ms / 1000 - (ended - began)) < 1.0
            assert abs(segment.started_us / 1e6 - began) < 1.0

    origin = int(alice.joined_at * 1e6) - 1_000_000
    mixed = postprocess.mix_audio(result.segments, origin_us=origin, folder=rec_dir)

    def at(instant: float) -> float:
        return instant - origin / 1e6

    before, alice_alone, both, bob_gone = rms_windows(
        mixed.output,
        [
            (0.1, 0.8),
            (at(alice.joined_at) + 0.5, at(bob.joined_at) - 0.3),
            (at(bob.joined_at) + 0.5, at(bob_first[1]) - 0.5),
            (at(bob_first[1]) + 0.5, at(bob_again.joined_at) - 0.3),
        ],
    )
    assert before < 0.005
    assert alice_alone > 0.1
    assert both > alice_alone * 1.25  # two tones (400, 600 Hz) summed, not scaled
    assert bob_gone > 0.1  # alice still speaking
    assert abs(mixed.duration_ms / 1000 - at(alice_span[1])) < 1.5
