"""The client messages: what is accepted, and which field a refusal names."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from prachum.realtime import schemas

USER = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"type": "ping"}, schemas.Ping),
        ({"type": "snapshot.get", "ref": "r1"}, schemas.SnapshotGet),
        ({"type": "leave"}, schemas.Leave),
        ({"type": "hand.raise"}, schemas.HandRaise),
        ({"type": "hand.lower"}, schemas.HandLower),
        ({"type": "floor.give", "user": USER}, schemas.FloorGive),
        ({"type": "floor.end"}, schemas.FloorEnd),
        ({"type": "item.set", "item": USER}, schemas.ItemSet),
        ({"type": "meeting.open"}, schemas.MeetingOpen),
        ({"type": "meeting.suspend", "reason": "พัก"}, schemas.MeetingSuspend),
        ({"type": "meeting.resume"}, schemas.MeetingResume),
        ({"type": "meeting.close"}, schemas.MeetingClose),
        ({"type": "incident.report", "description": "x"}, schemas.IncidentReport),
        (
            {"type": "incident.handle", "incident": USER, "handling": "x"},
            schemas.IncidentHandle,
        ),
        (
            {"type": "participant.remove", "user": USER, "reason": "x"},
            schemas.ParticipantRemove,
        ),
        ({"type": "participant.readmit", "user": USER}, schemas.ParticipantReadmit),
        ({"type": "invitee.admit", "user": USER, "item": USER}, schemas.InviteeAdmit),
    ],
)
def test_every_message_type_is_accepted(data: dict[str, str], model: type) -> None:
    message = schemas.parse_message(data)
    assert isinstance(message, model)
    assert message.type == data["type"]


def test_meeting_open_has_an_empty_reason_by_default() -> None:
    message = schemas.parse_message({"type": "meeting.open"})
    assert isinstance(message, schemas.MeetingOpen)
    assert message.reason == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "vote.cast"}, "type"),
        ({"ref": "a"}, "type"),
        ({"type": "floor.give"}, "user"),
        ({"type": "floor.give", "user": "not-a-uuid"}, "user"),
        ({"type": "ping", "extra": 1}, "extra"),
        ({"type": "ping", "ref": "x" * 65}, "ref"),
        ({"type": "ping", "ref": 7}, "ref"),
        ({"type": "meeting.suspend", "reason": 12}, "reason"),
        ({"type": "incident.report"}, "description"),
    ],
)
def test_a_refusal_names_the_field(data: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        schemas.parse_message(data)
    assert schemas.error_field(info.value) == field


@pytest.mark.parametrize("data", [[1, 2], "ping", 3, None])
def test_a_frame_that_is_not_an_object_is_refused(data: object) -> None:
    with pytest.raises(ValidationError):
        schemas.parse_message(data)


def test_the_ref_of_a_refused_frame_is_kept_only_when_usable() -> None:
    assert schemas.ref_of({"type": "nope", "ref": "abc"}) == "abc"
    assert schemas.ref_of({"ref": "x" * 65}) is None
    assert schemas.ref_of({"ref": 5}) is None
    assert schemas.ref_of([1]) is None
