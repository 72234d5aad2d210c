"""Kinds of the evidence events the voting app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class VotingEvent(EventKind):
    POLL_CREATED = "poll.created"
    POLL_OPENED = "poll.opened"
    POLL_CLOSED = "poll.closed"
    POLL_VOIDED = "poll.voided"
    POLL_CASTING_VOTE = "poll.casting_vote"
    POLL_HAND_RECORDED = "poll.hand_recorded"
    TERMINAL_UNLOCKED = "poll.terminal_unlocked"
    TERMINAL_LOCKED = "poll.terminal_locked"
    TERMINAL_BALLOT_CAST = "poll.terminal_ballot_cast"
    PAPER_BATCH_RECORDED = "poll.paper_batch_recorded"
    ITEM_RECUSAL_RECORDED = "item.recusal_recorded"
    ITEM_RESOLUTION_RECORDED = "item.resolution_recorded"
    ITEM_DISSENT_RECORDED = "item.dissent_recorded"
    ITEM_CHALLENGE_FILED = "item.challenge_filed"
    ITEM_CHALLENGE_DECIDED = "item.challenge_decided"
    ITEM_RESOLUTION_REDO_FLAGGED = "item.resolution_redo_flagged"
