"""The MediaServer contract: the same tests against the fake and a real Janus."""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

import pytest

from prachum.media import tokens
from prachum.media.protocol import (
    VIDEOROOM,
    MediaError,
    MediaErrorCode,
    MediaServer,
)
from tests.media.conftest import Backend

AUDIOBRIDGE = "janus.plugin.audiobridge"


@pytest.fixture
def room_of(backend: Backend, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Create rooms for the test; destroy whatever is left at the end."""
    created: list[int] = []

    def make(*, record: bool = True, publishers: int = 6) -> int:
        room = backend.server.ensure_room(
            meeting_id=str(uuid.uuid4()),
            record=record,
            rec_dir=str(tmp_path / "rec"),
            publishers=publishers,
        )
        created.append(room)
        return room

    yield make
    for room in created:
        with contextlib.suppress(MediaError):
            backend.server.destroy_room(room=room)


def test_it_satisfies_the_protocol(backend: Backend) -> None:
    assert isinstance(backend.server, MediaServer)


def test_health_reports_reachable(backend: Backend) -> None:
    health = backend.server.health()
    assert health.reachable
    assert health.error == ""
    assert health.sessions is not None
    assert health.sessions >= 0
    if backend.kind == "janus":
        assert health.version == "1.1.2"


def test_ensure_room_creates_a_recorded_locked_room(backend: Backend, room_of) -> None:  # type: ignore[no-untyped-def]
    room = room_of(record=True, publishers=6)
    info = backend.server.room_info(room=room)
    assert info.record is True
    assert info.lock_record is True
    assert info.max_publishers == 6
    assert info.participants == 0
    assert info.rec_dir.endswith("/rec")


def test_ensure_room_is_idempotent_and_updates_recording(
    backend: Backend, tmp_path: Path
) -> None:
    meeting = str(uuid.uuid4())
    first = backend.server.ensure_room(
        meeting_id=meeting, record=True, rec_dir=str(tmp_path / "a"), publishers=4
    )
    try:
        again = backend.server.ensure_room(
            meeting_id=meeting, record=False, rec_dir=str(tmp_path / "b"), publishers=8
        )
        assert again == first == tokens.room_id_for(meeting)
        info = backend.server.room_info(room=first)
        assert (info.record, info.lock_record) == (False, True)
        assert info.rec_dir == str(tmp_path / "b")
        assert info.max_publishers == 8
    finally:
        backend.server.destroy_room(room=first)


def test_set_recording_toggles_and_stays_locked(backend: Backend, room_of) -> None:  # type: ignore[no-untyped-def]
    room = room_of(record=True)
    backend.server.set_recording(room=room, record=False)
    assert backend.server.room_info(room=room).record is False
    backend.server.set_recording(room=room, record=True)
    info = backend.server.room_info(room=room)
    assert (info.record, info.lock_record) == (True, True)


def test_destroy_room(backend: Backend, room_of) -> None:  # type: ignore[no-untyped-def]
    room = room_of()
    backend.server.destroy_room(room=room)
    with pytest.raises(MediaError) as destroyed:
        backend.server.room_info(room=room)
    assert destroyed.value.code == MediaErrorCode.NO_SUCH_ROOM
    with pytest.raises(MediaError) as again:
        backend.server.destroy_room(room=room)
    assert again.value.code == MediaErrorCode.NO_SUCH_ROOM


@pytest.mark.parametrize(
    "call",
    [
        lambda s, r: s.set_recording(room=r, record=True),
        lambda s, r: s.kick(room=r, participant=1),
        lambda s, r: s.moderate(
            room=r, participant=1, mute_audio=True, mute_video=True
        ),
        lambda s, r: s.list_participants(room=r),
        lambda s, r: s.recording_status(room=r),
        lambda s, r: s.room_info(room=r),
    ],
    ids=["set_recording", "kick", "moderate", "list", "recording_status", "info"],
)
def test_a_missing_room_is_no_such_room(backend: Backend, call) -> None:  # type: ignore[no-untyped-def]
    missing = tokens.room_id_for(f"missing-{uuid.uuid4()}")
    with pytest.raises(MediaError) as error:
        call(backend.server, missing)
    assert error.value.code == MediaErrorCode.NO_SUCH_ROOM
    assert error.value.janus_code == 426


def test_moderate_and_kick_in_an_empty_room_find_nobody(
    backend: Backend, room_of
) -> None:  # type: ignore[no-untyped-def]
    room = room_of()
    assert backend.server.list_participants(room=room) == []
    assert backend.server.recording_status(room=room) == {}
    with pytest.raises(MediaError) as kicked:
        backend.server.kick(room=room, participant=12345)
    assert kicked.value.code == MediaErrorCode.NO_SUCH_PARTICIPANT
    assert kicked.value.janus_code == 428
    with pytest.raises(MediaError) as muted:
        backend.server.moderate(
            room=room, participant=12345, mute_audio=True, mute_video=False
        )
    assert muted.value.code == MediaErrorCode.NO_SUCH_PARTICIPANT


def test_a_valid_token_attaches_the_videoroom(backend: Backend) -> None:
    token = backend.server.join_token(user_id="42")
    assert token.partition(":")[0].split(",")[1:] == ["janus", VIDEOROOM]
    assert backend.client.attach_status(token=token, plugin=VIDEOROOM) == 0


def test_a_videoroom_token_cannot_attach_the_audiobridge(backend: Backend) -> None:
    token = backend.server.join_token(user_id="42")
    assert backend.client.attach_status(token=token, plugin=AUDIOBRIDGE) == 405


def test_an_expired_token_is_refused(backend: Backend) -> None:
    expired = tokens.janus_token(
        secret=backend.token_secret,
        plugins=[VIDEOROOM],
        expires_at=int(time.time()) - 1,
    )
    assert backend.client.attach_status(token=expired, plugin=VIDEOROOM) == 403


def test_a_token_signed_with_another_secret_is_refused(backend: Backend) -> None:
    forged = tokens.janus_token(
        secret="not-the-secret", plugins=[VIDEOROOM], expires_at=int(time.time()) + 60
    )
    assert backend.client.attach_status(token=forged, plugin=VIDEOROOM) == 403


def test_a_joined_participant_is_listed_moderated_and_kicked(
    backend: Backend, room_of
) -> None:  # type: ignore[no-untyped-def]
    room = room_of()
    token = backend.server.join_token(user_id="7")
    participant = backend.client.join(
        room=room,
        display="member-7",
        pin=backend.server.room_pin(room=room),
        token=token,
        opaque_id=tokens.make_opaque_id(meeting_id="m1", user_id="7"),
    )
    listed = backend.server.list_participants(room=room)
    assert [(p.id, p.display, p.publisher) for p in listed] == [
        (participant, "member-7", False)
    ]
    # Joined without publishing: nothing to record yet, nothing to mute.
    assert backend.server.recording_status(room=room) == {}
    backend.server.moderate(
        room=room, participant=participant, mute_audio=True, mute_video=True
    )
    backend.server.kick(room=room, participant=participant)
    assert backend.server.list_participants(room=room) == []


def test_joining_needs_the_room_pin(backend: Backend, room_of) -> None:  # type: ignore[no-untyped-def]
    room = room_of()
    token = backend.server.join_token(user_id="7")
    with pytest.raises(MediaError) as refused:
        backend.client.join(room=room, display="x", pin="wrong", token=token)
    assert refused.value.janus_code == 433
    assert backend.server.list_participants(room=room) == []


def test_the_pin_is_derived_per_room(backend: Backend) -> None:
    assert backend.server.room_pin(room=1) != backend.server.room_pin(room=2)
    assert backend.server.room_pin(room=1) == backend.server.room_pin(room=1)
