"""Challenges (คัดค้าน) of a member on an agenda item (APA ss.13-17; R75, R76).

Foreign keys name their models as strings: this module is imported by
``prachum.voting.models``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecusalGround(models.TextChoices):
    S13_1 = "s13_1", _("Is a party (APA s.13(1))")
    S13_2 = "s13_2", _("Engaged or married to a party (APA s.13(2))")
    S13_3 = "s13_3", _("Relative of a party (APA s.13(3))")
    S13_4 = "s13_4", _("Representative or agent of a party (APA s.13(4))")
    S13_5 = "s13_5", _("Creditor, debtor or employer of a party (APA s.13(5))")
    S13_6 = "s13_6", _("Other case set by ministerial regulation (APA s.13(6))")
    S16 = "s16", _("Other serious circumstance (APA s.16)")


class ChallengeOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting the meeting's decision")
    UPHELD = "upheld", _("Upheld: the member leaves the item")
    REJECTED = "rejected", _("Rejected: the member continues")


class Challenge(models.Model):
    """A written challenge (คัดค้าน) of a member on an item, with facts and a ground,
    addressed to the chair (s.13) or the member (s.16); decided by the meeting, and if
    upheld the member's ``recusal`` (kind challenged) takes them off the item (R75)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        "meetings.AgendaItem", on_delete=models.PROTECT, related_name="challenges"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    challenger_name = models.CharField(_("challenged by"), max_length=300)
    ground = models.CharField(_("ground"), max_length=10, choices=RecusalGround.choices)
    facts = models.TextField(_("facts"))
    addressed_to = models.CharField(max_length=10)  # chair (s.13) / member (s.16)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    outcome = models.CharField(
        max_length=10,
        choices=ChallengeOutcome.choices,
        default=ChallengeOutcome.PENDING,
    )
    poll = models.ForeignKey(
        "voting.Poll", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    votes_continue = models.PositiveSmallIntegerField(null=True, blank=True)
    votes_remove = models.PositiveSmallIntegerField(null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    recusal = models.OneToOneField(
        "voting.Recusal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=models.Q(outcome="pending"),
                name="challenge_one_pending_per_member_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} challenged on {self.item_id}"
