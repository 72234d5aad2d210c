"""What each vote command answers when it succeeds (issue 14 point 7).

"เปิดการลงคะแนนวาระที่ 4.1 แล้ว", "ปิดการลงคะแนนวาระที่ 4.1 แล้ว: เห็นด้วย 5 ไม่เห็นด้วย 1
งดออกเสียง 0": each entry of :data:`prachum.voting.commands.COMMANDS` carries one of
these (see :mod:`prachum.room.answers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from prachum.meetings.models import Meeting
from prachum.room.answers import Answer, about_user, fixed, item_number
from prachum.voting.models import Poll, PollKind, PollOption, PollStatus


def _number(meeting: Meeting, poll: Poll) -> str:
    return item_number(meeting, poll.item_id)


def tally_text(poll: Poll) -> str:
    """The totals in words: "Yes 5, no 1, abstain 0" or each option with its count."""
    tally = poll.tally or {}
    if poll.kind == PollKind.MOTION:
        return _("yes %(yes)d, no %(no)d, abstain %(abstain)d") % {
            "yes": tally.get("yes", 0),
            "no": tally.get("no", 0),
            "abstain": tally.get("abstain", 0),
        }
    counts = tally.get("counts", {})
    labels = PollOption.objects.filter(poll=poll).order_by("position")
    parts = [
        _("%(option)s %(count)d")
        % {"option": o.label, "count": counts.get(str(o.pk), 0)}
        for o in labels
    ]
    return ", ".join(parts)


def _closed(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    poll = result if isinstance(result, Poll) else args["poll"]
    poll.refresh_from_db()
    number = _number(meeting, poll)
    if poll.status == PollStatus.VOIDED:
        return _(
            "The vote on agenda item %(number)s is closed as void; it must be held again."
        ) % {"number": number}
    values = {"number": number, "tally": tally_text(poll)}
    if poll.status == PollStatus.AWAITING_CASTING_VOTE:
        return (
            _(
                "The vote on agenda item %(number)s is closed: %(tally)s. The votes are "
                "tied: the chair gives the casting vote."
            )
            % values
        )
    return _("The vote on agenda item %(number)s is closed: %(tally)s.") % values


def _about_poll(template: Any) -> Answer:
    return lambda meeting, args, result: (
        template() % {"number": _number(meeting, args["poll"])}
    )


def _about_item(template: Any) -> Answer:
    return lambda meeting, args, result: (
        template() % {"number": item_number(meeting, args["item"])}
    )


def _dissent(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    return _(
        "The dissenting opinion of %(name)s on agenda item %(number)s is recorded."
    ) % {
        "name": args["member"].display_name,
        "number": item_number(meeting, args["item"]),
    }


def _paper(meeting: Meeting, args: Mapping[str, Any], result: Any) -> str:
    return _("The paper ballots of agenda item %(number)s are recorded.") % {
        "number": _number(meeting, args["poll"])
    }


ANSWERS: dict[str, Answer] = {
    "poll.create": _about_item(
        lambda: _(
            "A vote on agenda item %(number)s is prepared; open it when the meeting "
            "is ready to vote."
        )
    ),
    "poll.open": _about_poll(lambda: _("The vote on agenda item %(number)s is open.")),
    "poll.close": _closed,
    "ballot.cast": fixed(lambda: _("Your ballot is cast.")),
    "poll.casting_vote": _about_poll(
        lambda: _("The chair's casting vote on agenda item %(number)s is recorded.")
    ),
    "ballot.hand": about_user(
        lambda: _("The show of hands of %(name)s is recorded."), arg="voter"
    ),
    "terminal.unlock": about_user(
        lambda: _("The room ballot terminal is unlocked for %(name)s."), arg="voter"
    ),
    "terminal.lock": fixed(lambda: _("The room ballot terminal is locked.")),
    "terminal.cast": fixed(
        lambda: _("The ballot is cast. The terminal is locked again.")
    ),
    "paper.batch": _paper,
    "resolution.record": _about_item(
        lambda: _("The resolution on agenda item %(number)s is recorded.")
    ),
    "dissent.record": _dissent,
}
