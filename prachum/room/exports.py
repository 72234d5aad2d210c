"""The room's part of the evidence package: the incidents (R42), in the order raised."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.room.incidents import incident_dict, list_incidents


def incident_files(meeting: Meeting) -> Iterator[File]:
    yield (
        "incidents.json",
        json_bytes([incident_dict(i) for i in list_incidents(meeting=meeting)]),
    )
