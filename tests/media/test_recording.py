"""Every publisher really recorded? Silent failures become problems to report."""

from __future__ import annotations

from pathlib import Path

from prachum.media.fake import FakeMediaServer
from prachum.media.recording import (
    RecordingProblem,
    RecordingProblemKind,
    check_recordings,
)


def publishing(fake: FakeMediaServer, rec_dir: str) -> tuple[int, int]:
    room = fake.ensure_room(meeting_id="m", record=True, rec_dir=rec_dir, publishers=3)
    who = fake.join(room=room, display="x", pin=fake.room_pin(room=room))
    fake.publish(room=room, participant=who)
    return room, who


def test_a_recorded_publisher_is_fine(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, who = publishing(fake, str(tmp_path))
    status = fake.recording_status(room=room)
    assert status[who] is not None
    assert status[who].startswith(str(tmp_path))
    assert check_recordings(server=fake, room=room) == []


def test_a_protected_folder_records_nothing_silently(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, who = publishing(fake, "/var/lib/prachum/recordings")
    assert fake.recording_status(room=room) == {who: None}
    assert check_recordings(server=fake, room=room) == [
        RecordingProblem(RecordingProblemKind.PUBLISHER_NOT_RECORDED, room, who)
    ]


def test_a_recording_that_stopped_is_reported(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, who = publishing(fake, str(tmp_path))
    fake.break_recording(room=room, participant=who)
    assert check_recordings(server=fake, room=room) == [
        RecordingProblem(RecordingProblemKind.PUBLISHER_NOT_RECORDED, room, who)
    ]


def test_a_room_that_stopped_recording_is_reported(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, _who = publishing(fake, str(tmp_path))
    fake.set_recording(room=room, record=False)
    problems = check_recordings(server=fake, room=room)
    assert problems[0] == RecordingProblem(
        RecordingProblemKind.ROOM_NOT_RECORDING, room
    )
    assert len(problems) == 2
    # A secret session is not recorded on purpose.
    assert check_recordings(server=fake, room=room, expect_recording=False) == []


def test_recording_again_starts_a_new_segment(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, who = publishing(fake, str(tmp_path))
    first = fake.recording_status(room=room)[who]
    fake.set_recording(room=room, record=False)
    fake.set_recording(room=room, record=True)
    assert fake.recording_status(room=room)[who] not in (None, first)


def test_server_side_mute_applies_per_kind(tmp_path: Path) -> None:
    fake = FakeMediaServer()
    room, who = publishing(fake, str(tmp_path))
    fake.moderate(room=room, participant=who, mute_audio=True, mute_video=False)
    assert fake.is_muted(room=room, participant=who) == {"audio": True, "video": False}
