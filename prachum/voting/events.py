"""Kinds of the evidence events the voting app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class VotingEvent(EventKind):
    POLL_CREATED = "poll.created", _("Vote prepared")
    POLL_OPENED = "poll.opened", _("Vote opened")
    POLL_CLOSED = "poll.closed", _("Vote closed")
    POLL_VOIDED = "poll.voided", _("Vote voided")
    POLL_CASTING_VOTE = "poll.casting_vote", _("Casting vote given")
    POLL_HAND_RECORDED = "poll.hand_recorded", _("Show of hands recorded")
    TERMINAL_UNLOCKED = "poll.terminal_unlocked", _("Voting terminal unlocked")
    TERMINAL_LOCKED = "poll.terminal_locked", _("Voting terminal locked")
    TERMINAL_BALLOT_CAST = "poll.terminal_ballot_cast", _("Ballot cast at the terminal")
    PAPER_BATCH_RECORDED = "poll.paper_batch_recorded", _("Paper ballots recorded")
    ITEM_RECUSAL_RECORDED = "item.recusal_recorded", _("Recusal recorded")
    ITEM_RESOLUTION_RECORDED = "item.resolution_recorded", _("Resolution recorded")
    ITEM_DISSENT_RECORDED = "item.dissent_recorded", _("Dissent recorded")
    ITEM_CHALLENGE_FILED = "item.challenge_filed", _("Challenge filed")
    ITEM_CHALLENGE_DECIDED = "item.challenge_decided", _("Challenge decided")
    ITEM_RESOLUTION_REDO_FLAGGED = (
        "item.resolution_redo_flagged",
        _("Resolution to be taken again"),
    )
