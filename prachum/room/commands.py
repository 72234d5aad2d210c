"""One table from a room command's name to its service and who may give it.

The socket (``prachum.realtime``), the HTTP fallbacks of the room page and the REST API
all carry out a room command through :func:`execute`, so a change made from any of them
leaves the same evidence and publishes the same events. The services check permission
again (one write path); the table's ``permission`` says who the command is for, for
pages and documentation.

A command's references (a member, an agenda item, an incident, a poll) arrive as ids;
:func:`resolve` turns them into objects of *this* meeting, or reports which one does
not belong to it. Voting adds its commands and the ``poll`` reference from its
``AppConfig.ready()``: voting builds on the room, the room does not import voting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prachum.core.actors import Actor
from prachum.meetings.lookups import agenda_item_of, committee_user
from prachum.meetings.models import Meeting
from prachum.room import floor, incidents, lifecycle, media_controls, participants
from prachum.room.answers import ANSWERS, Answer

PARTICIPANT = "participant"  # anyone identified in the room
CHAIR = "chair"  # the chair or the secretariat

Resolver = Callable[[Meeting, Any], Any]


@dataclass(frozen=True)
class RoomCommand:
    """``run(actor=, meeting=, **args)``; ``refs`` maps an argument to a resolver name;
    ``answer(meeting, args, result)`` is the sentence that tells what was done
    (:mod:`prachum.room.answers`): every command has its own."""

    run: Callable[..., object]
    permission: str
    refs: Mapping[str, str] = field(default_factory=dict)
    answer: Answer = field(kw_only=True)


RESOLVERS: dict[str, Resolver] = {
    "member": lambda meeting, pk: committee_user(meeting=meeting, user_id=pk),
    "item": lambda meeting, pk: agenda_item_of(meeting=meeting, item_id=pk),
    "incident": lambda meeting, pk: incidents.incident_of(
        meeting=meeting, incident_id=pk
    ),
}


def _open(*, actor: Actor, meeting: Meeting, reason: str = "") -> object:
    return lifecycle.open_meeting(
        actor=actor, meeting=meeting, without_quorum_reason=reason
    )


def _handle(*, actor: Actor, meeting: Meeting, incident: Any, handling: str) -> object:
    return incidents.handle_incident(actor=actor, incident=incident, handling=handling)


COMMANDS: dict[str, RoomCommand] = {
    "hand.raise": RoomCommand(
        floor.raise_hand, PARTICIPANT, answer=ANSWERS["hand.raise"]
    ),
    "hand.lower": RoomCommand(
        floor.lower_hand, PARTICIPANT, answer=ANSWERS["hand.lower"]
    ),
    "floor.give": RoomCommand(
        floor.give_floor, CHAIR, {"user": "member"}, answer=ANSWERS["floor.give"]
    ),
    "floor.end": RoomCommand(floor.end_floor, CHAIR, answer=ANSWERS["floor.end"]),
    "item.set": RoomCommand(
        floor.set_current_item, CHAIR, {"item": "item"}, answer=ANSWERS["item.set"]
    ),
    "meeting.open": RoomCommand(_open, CHAIR, answer=ANSWERS["meeting.open"]),
    "meeting.suspend": RoomCommand(
        lifecycle.suspend_meeting, CHAIR, answer=ANSWERS["meeting.suspend"]
    ),
    "meeting.resume": RoomCommand(
        lifecycle.resume_meeting, CHAIR, answer=ANSWERS["meeting.resume"]
    ),
    "meeting.close": RoomCommand(
        lifecycle.close_meeting, CHAIR, answer=ANSWERS["meeting.close"]
    ),
    "incident.report": RoomCommand(
        incidents.report_incident, PARTICIPANT, answer=ANSWERS["incident.report"]
    ),
    "incident.handle": RoomCommand(
        _handle, CHAIR, {"incident": "incident"}, answer=ANSWERS["incident.handle"]
    ),
    "participant.remove": RoomCommand(
        participants.remove_participant,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["participant.remove"],
    ),
    "participant.readmit": RoomCommand(
        participants.readmit_participant,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["participant.readmit"],
    ),
    "invitee.admit": RoomCommand(
        participants.admit_invitee,
        CHAIR,
        {"user": "member", "item": "item"},
        answer=ANSWERS["invitee.admit"],
    ),
    "participant.vouch": RoomCommand(
        participants.vouch_identity,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["participant.vouch"],
    ),
    "participant.sign_in": RoomCommand(
        participants.sign_in_at_room,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["participant.sign_in"],
    ),
    "participant.sign_out": RoomCommand(
        participants.sign_out_of_room,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["participant.sign_out"],
    ),
    "media.mute": RoomCommand(
        media_controls.mute_participant,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["media.mute"],
    ),
    "media.unmute_request": RoomCommand(
        media_controls.request_unmute,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["media.unmute_request"],
    ),
    "media.stop_video": RoomCommand(
        media_controls.stop_video,
        CHAIR,
        {"user": "member"},
        answer=ANSWERS["media.stop_video"],
    ),
}


def register(
    commands: Mapping[str, RoomCommand], resolvers: Mapping[str, Resolver]
) -> None:
    """Add another context's commands (voting) to the one table."""
    RESOLVERS.update(resolvers)
    COMMANDS.update(commands)


class UnknownReferenceError(LookupError):
    """A referenced id that does not belong to the meeting; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def resolve(name: str, *, meeting: Meeting, args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with each reference of command ``name`` turned into its object.

    ``None`` stays ``None`` (an optional reference); an id not of this meeting raises
    :class:`UnknownReferenceError`.
    """
    resolved = dict(args)
    for arg, resolver in COMMANDS[name].refs.items():
        if resolved.get(arg) is None or hasattr(resolved[arg], "pk"):
            continue  # optional and absent, or resolved by the caller already
        value = RESOLVERS[resolver](meeting, resolved[arg])
        if value is None:
            raise UnknownReferenceError(arg)
        resolved[arg] = value
    return resolved


def execute(name: str, *, meeting: Meeting, actor: Actor, **args: Any) -> object:
    """Carry out command ``name`` with resolved ``args``; a refusal raises ServiceError."""
    return COMMANDS[name].run(actor=actor, meeting=meeting, **args)


def carry_out(name: str, *, meeting: Meeting, actor: Actor, **args: Any) -> str:
    """:func:`execute`, then the command's answer: what it did, in one sentence."""
    result = execute(name, meeting=meeting, actor=actor, **args)
    return COMMANDS[name].answer(meeting, args, result)
