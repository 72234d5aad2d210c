"""One contract for the AudioBridge adapter and its fake: the same expectations run
against :class:`FakeAudioBridge` and a real Janus (in the test's network namespace)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prachum.media.audiobridge import new_participant_id
from prachum.media.audiobridge_fake import FakeAudioBridge
from prachum.media.protocol import MediaError, MediaErrorCode
from tests.media.netns_fixtures import (  # noqa: F401  (fixtures)
    netns_fixture,
    netns_janus_fixture,
)
from tests.media.test_audiobridge_live import audiobridge_for


@pytest.fixture(name="any_audiobridge", params=["fake", "janus"])
def any_audiobridge_fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeAudioBridge()
        return
    netns = request.getfixturevalue("netns")
    janus = request.getfixturevalue("netns_janus")
    with netns.inside():  # the test's calls (and its legs' threads) run inside
        yield audiobridge_for(janus)


def _leg(bridge: Any, room: int, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "room": room,
        "display": "SIP caller",
        "group": "sip",
        "codec": "pcma",
        "rtp_ip": "127.0.0.1",
        "rtp_port": 40000 + secrets.randbelow(1000),
        "record": False,
    }
    values.update(overrides)
    return bridge.open_leg(**values)


def test_rooms_legs_mute_and_kick_behave_alike(
    any_audiobridge: Any, tmp_path: Path
) -> None:
    bridge = any_audiobridge
    meeting = f"contract-{secrets.token_hex(6)}"
    room = bridge.ensure_room(meeting_id=meeting, rec_dir=str(tmp_path))
    assert bridge.ensure_room(meeting_id=meeting, rec_dir=str(tmp_path)) == room
    assert bridge.exists(room=room)
    chosen = new_participant_id()
    a = _leg(bridge, room, display="A", participant_id=chosen)
    b = _leg(bridge, room, display="B", group="webrtc", codec="opus")
    try:
        assert a.participant_id == chosen
        assert a.janus_ip == "127.0.0.1"
        assert a.janus_port > 0
        listed = {p.id: p for p in bridge.list_participants(room=room)}
        assert {listed[a.participant_id].display, listed[b.participant_id].display} == {
            "A",
            "B",
        }
        with pytest.raises(MediaError) as taken:
            _leg(bridge, room, participant_id=chosen)
        assert taken.value.code == MediaErrorCode.REFUSED
        with pytest.raises(MediaError) as no_group:
            _leg(bridge, room, group="nobody")
        assert no_group.value.code == MediaErrorCode.REFUSED
        with pytest.raises(ValueError, match="pcma"):
            _leg(bridge, room, codec="g722")

        bridge.mute(room=room, participant=b.participant_id, muted=True)
        assert {p.id: p.muted for p in bridge.list_participants(room=room)} == {
            a.participant_id: False,
            b.participant_id: True,
        }
        bridge.kick(room=room, participant=a.participant_id)
        assert a.kicked.wait(5)
        assert not b.kicked.is_set()
        events = [b.next_event(2.0) for _ in range(3)]
        assert any(e and e.get("kicked") == a.participant_id for e in events), events
        assert [p.id for p in bridge.list_participants(room=room)] == [b.participant_id]
        with pytest.raises(MediaError) as gone:
            bridge.kick(room=room, participant=a.participant_id)
        assert gone.value.code == MediaErrorCode.NO_SUCH_PARTICIPANT

        forwarder = bridge.rtp_forward(
            room=room, host="127.0.0.1", port=45000, group="sip", ssrc=1000
        )
        [listed_forwarder] = bridge.list_forwarders(room=room)
        assert listed_forwarder["stream_id"] == forwarder.stream_id
        assert listed_forwarder["group"] == "sip"
        assert listed_forwarder["ssrc"] == 1000
        bridge.stop_rtp_forward(room=room, stream_id=forwarder.stream_id)
        assert bridge.list_forwarders(room=room) == []
    finally:
        a.close()
        b.close()
        b.close()
    assert bridge.list_participants(room=room) == []
    bridge.destroy_room(room=room)
    assert not bridge.exists(room=room)
    for call in (
        lambda: bridge.list_participants(room=room),
        lambda: bridge.mute(room=room, participant=1, muted=True),
        lambda: bridge.destroy_room(room=room),
        lambda: _leg(bridge, room),
    ):
        with pytest.raises(MediaError) as missing:
            call()
        assert missing.value.code == MediaErrorCode.NO_SUCH_ROOM
