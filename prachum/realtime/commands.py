"""Run one room command from a socket: look it up in the room's one command table.

The message's ``type`` is the command's name in :data:`prachum.room.commands.COMMANDS`
(voting adds its own there); its fields are the command's arguments, its ids are
resolved inside the socket's meeting (an id of another meeting is ``NOT_FOUND`` with
the field named). Synchronous: the consumer calls :func:`run` through
``database_sync_to_async``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from prachum.core.actors import Actor
from prachum.core.errors import ServiceError
from prachum.meetings.models import Meeting
from prachum.realtime import schemas
from prachum.realtime.error_codes import RealtimeError
from prachum.room import commands


def _plain(value: Any) -> Any:
    """A list of ids (a k-of-N choice) as strings, as the services take them."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, UUID) else v for v in value]
    return value


def run(command: schemas.Command, *, meeting: Meeting, actor: Actor) -> str:
    """Carry out ``command`` for ``actor`` and give its answer (what it did, in the
    socket's language); a refusal raises :class:`ServiceError`."""
    args = {
        name: _plain(value)
        for name, value in command.model_dump(exclude={"type", "ref"}).items()
    }
    try:
        resolved = commands.resolve(command.type, meeting=meeting, args=args)
    except commands.UnknownReferenceError as exc:
        raise ServiceError(
            RealtimeError.NOT_FOUND,
            _("That does not belong to this meeting."),
            field=exc.field,
        ) from exc
    return commands.carry_out(command.type, meeting=meeting, actor=actor, **resolved)
