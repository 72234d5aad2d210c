"""A SIP caller's leg recording: named by the server, recognised by the
post-processing as the member's audio track (no Janus needed)."""

from __future__ import annotations

from typing import Any

import pytest

from prachum.media import postprocess
from prachum.media.audiobridge import AudioBridge, leg_recording_name
from prachum.media.audiobridge_fake import FakeAudioBridge
from prachum.media.loader import get_audiobridge


@pytest.mark.parametrize("user", ["7", "3f2b9c1e-8d4a-4e6b-9a55-0c1d2e3f4a5b", "a.b_c"])
def test_a_leg_name_names_room_participant_and_member(user: str) -> None:
    base = leg_recording_name(room=123, participant=456, user_key=user)
    for suffix in ("-audio.mjr", "-audio.mjr.tmp"):  # as Janus writes it, or a crash
        parsed = postprocess.parse_name(base + suffix)
        assert parsed is not None
        assert (parsed.plugin, parsed.room, parsed.participant) == ("sip", 123, 456)
        assert (parsed.kind, parsed.user) == ("audio", user)


def test_browser_tracks_are_still_recognised_and_others_are_not() -> None:
    parsed = postprocess.parse_name("videoroom-9-user-8-1700000000000000-audio-0.mjr")
    assert parsed is not None
    assert (parsed.plugin, parsed.room, parsed.participant, parsed.user) == (
        "videoroom",
        9,
        8,
        None,
    )
    for name in (
        "audiobridge-9-user-8-1700000000000000-audio.mjr",  # Janus's own default
        "sip-9-user-8-1700000000000000-member-u1-video.mjr",
        "sip-9-user-8-1700000000000000-member-a/b-audio.mjr",
        "mixed.opus",
    ):
        assert postprocess.parse_name(name) is None, name


@pytest.mark.parametrize("user", ["", "a:b", "a/b", "x" * 65])
def test_a_user_key_that_could_break_the_name_is_refused(user: str) -> None:
    with pytest.raises(ValueError, match="user key"):
        leg_recording_name(room=1, participant=2, user_key=user)


def test_the_loader_gives_the_fake_with_the_fake_media_server(settings: Any) -> None:
    settings.MEDIA_SERVER = "prachum.media.fake.FakeMediaServer"
    assert isinstance(get_audiobridge(), FakeAudioBridge)
    assert get_audiobridge() is get_audiobridge()
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    assert isinstance(get_audiobridge(), AudioBridge)
    settings.AUDIOBRIDGE = "prachum.media.audiobridge_fake.FakeAudioBridge"
    assert isinstance(get_audiobridge(), FakeAudioBridge)
