"""What each room command answers when it succeeds: one sentence naming what it did.

"เปิดการลงคะแนนวาระที่ 4.1 แล้ว", not "ดำเนินการแล้ว" (issue 14 point 7). Each entry of
the command table (:mod:`prachum.room.commands`) carries its answer, a function
``answer(meeting, args, result)`` of the meeting, the command's resolved arguments and
what the service returned; the socket sends it with the ``ack``, the HTTP forms show it
as the page's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from prachum.meetings.models import Meeting
from prachum.meetings.selectors import numbered_agenda

Answer = Callable[[Meeting, Mapping[str, Any], Any], str]


def item_number(meeting: Meeting, item: Any) -> str:
    """The item's number as the agenda reads it (``4.1``); its title if not found."""
    item_id = getattr(item, "pk", item)
    for row in numbered_agenda(meeting=meeting):
        if row.item.pk == item_id:
            return row.number
    return str(getattr(item, "title", ""))


def name_of(person: Any) -> str:
    return str(getattr(person, "display_name", "") or person)


def fixed(message: Callable[[], str]) -> Answer:
    """An answer that needs nothing but the command (``message`` is lazy: the
    language is the request's or the socket's, chosen when the answer is made)."""
    return lambda meeting, args, result: message()


def about_user(template: Callable[[], str], arg: str = "user") -> Answer:
    """``template() % {"name": ...}`` for the person the command names in ``arg``."""
    return lambda meeting, args, result: template() % {"name": name_of(args[arg])}


def _item_set(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    return _("Agenda item %(number)s has started.") % {
        "number": item_number(meeting, args["item"])
    }


def _admit(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    return _("%(name)s is admitted for agenda item %(number)s.") % {
        "name": name_of(args["user"]),
        "number": item_number(meeting, args["item"]),
    }


def _open(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    if getattr(result, "quorum_met", None) is False:  # the room as opened
        return _("The meeting is open, without a quorum; the reason is recorded.")
    return _("The meeting is open.")


ANSWERS: dict[str, Answer] = {
    "hand.raise": fixed(lambda: _("Your hand is raised; the chair sees it.")),
    "hand.lower": fixed(lambda: _("Your hand is lowered.")),
    "floor.give": about_user(lambda: _("%(name)s has been given the floor.")),
    "floor.end": fixed(lambda: _("The floor is ended; nobody has the floor now.")),
    "item.set": _item_set,
    "meeting.open": _open,
    "meeting.suspend": fixed(lambda: _("The meeting is suspended.")),
    "meeting.resume": fixed(lambda: _("The meeting is resumed.")),
    "meeting.close": fixed(lambda: _("The meeting is closed.")),
    "incident.report": fixed(
        lambda: _("Your report of a problem is recorded; the chair sees it now.")
    ),
    "incident.handle": fixed(lambda: _("The handling of the problem is recorded.")),
    "participant.remove": about_user(
        lambda: _("%(name)s is removed from the meeting.")
    ),
    "participant.readmit": about_user(lambda: _("%(name)s may rejoin the meeting.")),
    "invitee.admit": _admit,
    "participant.vouch": about_user(
        lambda: _("Your vouching for %(name)s is recorded.")
    ),
    "participant.sign_in": about_user(
        lambda: _("Signed in at the meeting room: %(name)s.")
    ),
    "participant.sign_out": about_user(
        lambda: _("Signed out of the meeting room: %(name)s.")
    ),
    "media.mute": about_user(lambda: _("The microphone of %(name)s is muted.")),
    "media.unmute_request": about_user(
        lambda: _("%(name)s is asked to turn their microphone on.")
    ),
    "media.stop_video": about_user(lambda: _("The camera of %(name)s is turned off.")),
}
