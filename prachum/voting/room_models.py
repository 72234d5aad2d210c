"""Ballots from the meeting room (Decree s.6, s.9(2); R26, R27): the room ballot
terminal's one-use unlocks and the paper ballot batches counted by two tellers.

Neither row says what anyone chose: a terminal ballot and the paper ballots go into the
poll's sealed ballot box like any secret ballot (docs/adr/0008), so the count is one
path. Foreign keys name ``voting.Poll`` as a string: this module is imported by
``prachum.voting.models``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class TerminalUnlock(models.Model):
    """The secretary unlocked the room ballot terminal for one member, once.

    The terminal page claims the unlock and receives a token (only its SHA-256 is
    stored); the token casts one ballot before ``expires_at``. No time of the ballot is
    kept: ``used`` only says the unlock was spent (ADR 0008 §1).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        "voting.Poll", on_delete=models.PROTECT, related_name="terminal_unlocks"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, blank=True)
    used = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["unlocked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll"],
                condition=models.Q(used=False, cancelled=False),
                name="terminal_one_unlock_per_poll",
            ),
        ]

    def __str__(self) -> str:
        return f"terminal unlocked for {self.voter_id} in {self.poll_id}"


class PaperBallotBatch(models.Model):
    """Paper ballots of a secret poll, counted by two tellers and entered at once.

    Records how many ballots, who counted them and who handed one in; what the ballots
    said went into the sealed ballot box one by one, so it is only ever counted with
    every other ballot of the poll (ADR 0008).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        "voting.Poll", on_delete=models.PROTECT, related_name="paper_batches"
    )
    ballots = models.PositiveIntegerField()
    teller_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    teller_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    voters = models.JSONField()  # sorted user ids of who handed in a paper ballot
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(teller_1=models.F("teller_2")),
                name="paper_batch_two_different_tellers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ballots} paper ballot(s) in {self.poll_id}"
