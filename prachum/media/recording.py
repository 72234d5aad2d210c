"""Is every publisher really being recorded? Janus does not say when it is not.

A recording into a protected folder (or onto a full disk) fails with a log line and
nothing else: no API error, no event. :func:`check_recordings` asks the admin API which
file each published stream is written to and returns the gaps as plain data; the
caller raises an incident for each.
"""

from __future__ import annotations

from dataclasses import dataclass

from prachum.media.protocol import MediaServer


class RecordingProblemKind:
    ROOM_NOT_RECORDING = "room_not_recording"
    PUBLISHER_NOT_RECORDED = "publisher_not_recorded"


@dataclass(frozen=True)
class RecordingProblem:
    kind: str
    room: int
    participant: int | None = None


def check_recordings(
    *, server: MediaServer, room: int, expect_recording: bool = True
) -> list[RecordingProblem]:
    """What is not being recorded in ``room`` although it should be (empty: all good)."""
    if not expect_recording:
        return []
    problems = []
    if not server.room_info(room=room).record:
        problems.append(RecordingProblem(RecordingProblemKind.ROOM_NOT_RECORDING, room))
    for participant, filename in sorted(server.recording_status(room=room).items()):
        if filename is None:
            problems.append(
                RecordingProblem(
                    RecordingProblemKind.PUBLISHER_NOT_RECORDED, room, participant
                )
            )
    return problems
