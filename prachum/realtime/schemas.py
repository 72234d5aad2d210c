"""Every message a browser may send to the room socket, as pydantic models.

A frame is a JSON object ``{"type": T, "ref": optional str, ...}``; unknown types and
unknown fields are refused (``extra="forbid"``). ``ref`` is echoed in the ``ack`` or
``error`` reply so the client can match answers to requests.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from prachum.core.text import text_is_clean

MAX_REF = 64


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: str | None = Field(default=None, max_length=MAX_REF)


class SnapshotGet(_Message):
    type: Literal["snapshot.get"]


class Ping(_Message):
    type: Literal["ping"]


class Leave(_Message):
    type: Literal["leave"]


class HandRaise(_Message):
    type: Literal["hand.raise"]


class HandLower(_Message):
    type: Literal["hand.lower"]


class FloorGive(_Message):
    type: Literal["floor.give"]
    user: UUID


class FloorEnd(_Message):
    type: Literal["floor.end"]


class ItemSet(_Message):
    type: Literal["item.set"]
    item: UUID


class MeetingOpen(_Message):
    type: Literal["meeting.open"]
    reason: str = ""


class MeetingSuspend(_Message):
    type: Literal["meeting.suspend"]
    reason: str


class MeetingResume(_Message):
    type: Literal["meeting.resume"]


class MeetingClose(_Message):
    type: Literal["meeting.close"]


class IncidentReport(_Message):
    type: Literal["incident.report"]
    description: str


class IncidentHandle(_Message):
    type: Literal["incident.handle"]
    incident: UUID
    handling: str


class ParticipantRemove(_Message):
    type: Literal["participant.remove"]
    user: UUID
    reason: str


class ParticipantReadmit(_Message):
    type: Literal["participant.readmit"]
    user: UUID


class ParticipantSignIn(_Message):
    type: Literal["participant.sign_in"]
    user: UUID


class ParticipantSignOut(_Message):
    type: Literal["participant.sign_out"]
    user: UUID


class InviteeAdmit(_Message):
    type: Literal["invitee.admit"]
    user: UUID
    item: UUID


# --- votes (each maps to exactly one voting service) -----------------------------------

MAX_OPTIONS = 100
MotionChoice = Literal["yes", "no", "abstain"]
Choice = MotionChoice | Annotated[list[UUID], Field(max_length=MAX_OPTIONS)]


class PollCreate(_Message):
    type: Literal["poll.create"]
    item: UUID
    kind: Literal["motion", "one_of_n", "k_of_n"]
    question: str
    options: list[str] = Field(default_factory=list, max_length=MAX_OPTIONS)
    max_choices: int = 1
    secret: bool | None = None


class PollOpen(_Message):
    type: Literal["poll.open"]
    poll: UUID
    reason: str = ""


class PollClose(_Message):
    type: Literal["poll.close"]
    poll: UUID
    reason: str = ""


class BallotCast(_Message):
    """``choice``: a word for a motion, else the chosen option ids (``[]``: blank)."""

    type: Literal["ballot.cast"]
    poll: UUID
    choice: Choice


class PollCastingVote(_Message):
    type: Literal["poll.casting_vote"]
    poll: UUID
    choice: Choice


class ResolutionRecord(_Message):
    type: Literal["resolution.record"]
    item: UUID
    text: str
    poll: UUID | None = None


class DissentRecord(_Message):
    type: Literal["dissent.record"]
    item: UUID
    member: UUID
    opinion: str


# -- chair media controls (R18; issue 5) --------------------------------------------


class MediaMute(_Message):
    type: Literal["media.mute"]
    user: UUID


class MediaUnmuteRequest(_Message):
    type: Literal["media.unmute_request"]
    user: UUID


class MediaStopVideo(_Message):
    type: Literal["media.stop_video"]
    user: UUID


MediaCommand = MediaMute | MediaUnmuteRequest | MediaStopVideo

VoteCommand = (
    PollCreate
    | PollOpen
    | PollClose
    | BallotCast
    | PollCastingVote
    | ResolutionRecord
    | DissentRecord
)

# Messages that change the room: each is one command of ``prachum.room.commands``.
Command = (
    HandRaise
    | HandLower
    | FloorGive
    | FloorEnd
    | ItemSet
    | MeetingOpen
    | MeetingSuspend
    | MeetingResume
    | MeetingClose
    | IncidentReport
    | IncidentHandle
    | ParticipantRemove
    | ParticipantReadmit
    | ParticipantSignIn
    | ParticipantSignOut
    | InviteeAdmit
    | VoteCommand
    | MediaCommand
)
ClientMessage = Annotated[
    SnapshotGet | Ping | Leave | Command, Field(discriminator="type")
]

_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


def parse_message(data: object) -> ClientMessage:
    """Validate one decoded frame; raises :class:`pydantic.ValidationError`."""
    return _ADAPTER.validate_python(data)


def error_field(exc: ValidationError) -> str | None:
    """The field the first error is about (``type`` for an unknown or missing type)."""
    error = exc.errors()[0]
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        return "type"
    # The first location element is the message type chosen by the discriminator.
    path = [str(part) for part in error["loc"][1:]]
    return ".".join(path) or None


def ref_of(data: object) -> str | None:
    """The client's ``ref`` from a frame that failed validation, if it is usable."""
    if isinstance(data, dict):
        ref = data.get("ref")
        if isinstance(ref, str) and len(ref) <= MAX_REF and text_is_clean(ref):
            return ref
    return None
