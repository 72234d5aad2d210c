"""The room registry, on the fake (the contract tests cover the server side)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prachum.media import services
from prachum.media.fake import FakeMediaServer
from prachum.media.loader import get_media_server
from prachum.media.models import MediaRoom
from prachum.media.protocol import MediaError, MediaErrorCode


@pytest.fixture
def recording_fake(settings: Any, tmp_path: Path) -> FakeMediaServer:
    settings.JANUS_RECORDINGS_DIR = tmp_path / "recordings"
    return FakeMediaServer()


def test_opening_a_room_registers_it_once(
    meeting: Any, recording_fake: FakeMediaServer
) -> None:
    first = services.open_media_room(
        meeting_id=meeting.id, record=True, server=recording_fake
    )
    again = services.open_media_room(
        meeting_id=meeting.id, record=True, server=recording_fake
    )
    assert first.pk == again.pk
    assert (first.server, first.record) == ("fake-1", True)
    assert first.rec_dir.endswith(str(meeting.id))
    info = recording_fake.room_info(room=first.janus_room_id)
    assert info.record
    assert info.lock_record
    assert info.rec_dir == first.rec_dir


def test_recording_follows_the_secret_session(
    meeting: Any, recording_fake: FakeMediaServer
) -> None:
    room = services.open_media_room(
        meeting_id=meeting.id, record=True, server=recording_fake
    )
    services.set_media_recording(
        meeting_id=meeting.id, record=False, server=recording_fake
    )
    assert recording_fake.room_info(room=room.janus_room_id).record is False
    assert MediaRoom.objects.get(pk=room.pk).record is False


def test_closing_destroys_and_a_reopen_makes_a_new_entry(
    meeting: Any, recording_fake: FakeMediaServer
) -> None:
    room = services.open_media_room(
        meeting_id=meeting.id, record=True, server=recording_fake
    )
    services.close_media_room(meeting_id=meeting.id, server=recording_fake)
    services.close_media_room(
        meeting_id=meeting.id, server=recording_fake
    )  # nothing left: fine
    assert MediaRoom.objects.get(pk=room.pk).destroyed_at is not None
    with pytest.raises(MediaError) as gone:
        recording_fake.room_info(room=room.janus_room_id)
    assert gone.value.code == MediaErrorCode.NO_SUCH_ROOM
    reopened = services.open_media_room(
        meeting_id=meeting.id, record=True, server=recording_fake
    )
    assert reopened.pk != room.pk
    assert reopened.janus_room_id == room.janus_room_id


def test_recording_without_a_room_is_an_error(
    meeting: Any, recording_fake: FakeMediaServer
) -> None:
    with pytest.raises(MediaError) as missing:
        services.set_media_recording(
            meeting_id=meeting.id, record=True, server=recording_fake
        )
    assert missing.value.code == MediaErrorCode.NO_SUCH_ROOM


def test_the_fake_is_the_default_and_settings_switch_it(settings: Any) -> None:
    assert isinstance(get_media_server(), FakeMediaServer)
    assert get_media_server() is get_media_server()
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    assert type(get_media_server()).__name__ == "JanusMediaServer"
