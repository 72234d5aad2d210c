"""Polls, open and secret ballots, casting votes, recusals, resolutions and dissents.

Decree s.9(2) (open and secret votes; R26, R27), APA s.82 (majority, casting vote;
R29), APA ss.13-16 (recusal; R30), APA s.83 (dissents; R52). Secret ballots follow
docs/adr/0008: who voted (``VoteParticipation``) and what was chosen
(``SecretBallot``) share no key, no order and no time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.committees.models import Committee
from prachum.core.models import TimeStampedModel
from prachum.domain.reasons import APA_S82
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting.challenge_models import Challenge as Challenge
from prachum.voting.challenge_models import ChallengeOutcome as ChallengeOutcome
from prachum.voting.challenge_models import RecusalGround as RecusalGround


class MajorityKind(models.TextChoices):
    SIMPLE_OF_CAST = "simple_of_cast", _("More than half of the votes cast")
    ABSOLUTE_OF_MEMBERS = "absolute_of_members", _("More than half of the members")
    QUALIFIED_OF_MEMBERS = "qualified_of_members", _("A fraction of the members")
    QUALIFIED_OF_CAST = "qualified_of_cast", _("A fraction of the votes cast")


class AbstentionRule(models.TextChoices):
    EXCLUDED = "excluded", _("Abstentions are not votes cast")
    COUNT_AS_CAST = "count_as_cast", _("Abstentions count as votes cast")


class CommitteeVotingRule(TimeStampedModel):
    """A body's own majority rule (R29); without a row the APA s.82 default applies."""

    committee = models.OneToOneField(
        Committee, on_delete=models.CASCADE, related_name="voting_rule"
    )
    majority_kind = models.CharField(
        _("majority"),
        max_length=30,
        choices=MajorityKind.choices,
        default=MajorityKind.SIMPLE_OF_CAST,
    )
    fraction_numerator = models.PositiveSmallIntegerField(null=True, blank=True)
    fraction_denominator = models.PositiveSmallIntegerField(null=True, blank=True)
    abstentions = models.CharField(
        _("abstentions"),
        max_length=20,
        choices=AbstentionRule.choices,
        default=AbstentionRule.EXCLUDED,
    )
    casting_vote = models.BooleanField(_("chair has a casting vote"), default=True)
    quorum_required = models.BooleanField(
        _("a vote needs a quorum"),
        default=True,
        help_text=_(
            "Without a quorum the chair may open or close a vote only with a recorded reason."
        ),
    )
    source = models.CharField(_("source"), max_length=300, default=APA_S82)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        majority_kind__in=["qualified_of_members", "qualified_of_cast"],
                        fraction_numerator__gt=0,
                        fraction_denominator__gte=models.F("fraction_numerator"),
                    )
                    | models.Q(
                        majority_kind__in=["simple_of_cast", "absolute_of_members"],
                        fraction_numerator__isnull=True,
                        fraction_denominator__isnull=True,
                    )
                ),
                name="voting_rule_fraction_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}: {self.majority_kind}"


class PollKind(models.TextChoices):
    MOTION = "motion", _("Yes / no / abstain")
    ONE_OF_N = "one_of_n", _("One of several options")
    UP_TO_K_OF_N = "up_to_k_of_n", _("Up to k of several options (election)")


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for voting")
    AWAITING_CASTING_VOTE = (
        "awaiting_casting_vote",
        _("Tie: awaiting the chair's casting vote"),
    )
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")


LIVE_STATUSES = (PollStatus.OPEN, PollStatus.AWAITING_CASTING_VOTE)


class BallotChannel(models.TextChoices):
    """How a ballot reached the count (R26, R27): the record says how many came by which."""

    DEVICE = "device", _("Own device")
    HANDS = "hands", _("Show of hands in the room")
    TERMINAL = "terminal", _("Room ballot terminal")
    PAPER = "paper", _("Paper ballot")


class Poll(TimeStampedModel):
    """One vote on one agenda item. Eligibility, quorum, the rule and the result are
    frozen on the row as the poll moves draft → open → closed (or voided)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="polls")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="polls")
    kind = models.CharField(max_length=20, choices=PollKind.choices)
    question = models.CharField(_("question"), max_length=500)
    is_secret = models.BooleanField(_("secret ballot"))
    max_choices = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=30, choices=PollStatus.choices, default=PollStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Frozen at opening.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    rule = models.JSONField(null=True, blank=True)
    base_members = models.PositiveIntegerField(null=True, blank=True)
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    quorum_at_open = models.JSONField(null=True, blank=True)
    open_without_quorum_reason = models.TextField(blank=True)
    box_id = models.CharField(max_length=64, blank=True)
    # Frozen at closing.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    quorum_at_close = models.JSONField(null=True, blank=True)
    close_without_quorum_reason = models.TextField(blank=True)
    ballots_cast = models.PositiveIntegerField(null=True, blank=True)
    tally = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    outcome_clause = models.CharField(max_length=300, blank=True)
    outcome_detail = models.TextField(blank=True)
    carried = models.BooleanField(null=True)
    winners = models.JSONField(default=list, blank=True)
    tied = models.JSONField(default=list, blank=True)
    channels = models.JSONField(null=True, blank=True)  # ballots per channel
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(status__in=["open", "awaiting_casting_vote"]),
                name="poll_one_live_per_meeting",
            ),
            models.CheckConstraint(
                condition=models.Q(max_choices__gte=1),
                name="poll_max_choices_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PollStatus.values),
                name="poll_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question} ({self.status})"


class PollOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("option"), max_length=300)

    class Meta:
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "position"], name="poll_option_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class EligibleVoter(models.Model):
    """A voting member present (identified and connected) when the poll opened and not
    recused on the item: the frozen list of who may vote."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="eligible")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["poll", "voter"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"], name="eligible_voter_once_per_poll"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} may vote in {self.poll_id}"


class VoteParticipation(models.Model):
    """Who voted, for open and secret polls alike. The unique constraint makes each
    ballot count exactly once. No time and no choice (ADR 0008)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.PROTECT, related_name="participations"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        max_length=10, choices=BallotChannel.choices, default=BallotChannel.DEVICE
    )

    class Meta:
        ordering = ["poll", "voter"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"], name="vote_participation_once_per_poll"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} voted in {self.poll_id}"


class OpenBallot(models.Model):
    """An open vote: each voter's choice with identity (Decree s.9(2); R26)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.PROTECT, related_name="open_ballots"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.JSONField()  # ["yes"] or a list of option ids
    cast_at = models.DateTimeField()
    channel = models.CharField(
        max_length=10, choices=BallotChannel.choices, default=BallotChannel.DEVICE
    )
    recorded_by = models.ForeignKey(  # the secretary, for a show of hands
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["poll", "cast_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "voter"], name="open_ballot_once_per_poll"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id}: {self.choice}"


class PendingSecretBallot(models.Model):
    """A secret ballot while the poll is open: AES-GCM ciphertext under a key held in
    process memory only. Random key, no time, no voter; deleted at close (ADR 0008)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="+")
    sealed = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"sealed ballot in {self.poll_id}"


class SecretBallot(models.Model):
    """What was chosen in a secret poll, written at close in random order. No voter,
    no time, no sequence: a random UUID key (ADR 0008)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.PROTECT, related_name="secret_ballots"
    )
    choice = models.JSONField()  # ["yes"] or a list of option ids

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"ballot in {self.poll_id}"


class CastingVote(models.Model):
    """The chair's casting vote on a tie, a separate recorded step (APA s.82; R29)."""

    poll = models.OneToOneField(
        Poll, on_delete=models.PROTECT, related_name="casting_vote"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.JSONField()
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"casting vote {self.choice} in {self.poll_id}"


class RecusalKind(models.TextChoices):
    SELF_DECLARED = "self_declared", _("Declared by the member")
    CHALLENGED = "challenged", _("Challenged")


class Recusal(models.Model):
    """A member withdrawn from one agenda item (APA ss.13-16; R30): not eligible to vote
    on it, and out of the item's quorum and majority base (s.79 with s.15 para 2)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="recusals"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        max_length=20, choices=RecusalKind.choices, default=RecusalKind.SELF_DECLARED
    )
    ground = models.CharField(_("ground"), max_length=10, choices=RecusalGround.choices)
    detail = models.TextField(_("detail"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"], name="recusal_once_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} recused from {self.item_id}"


class Resolution(models.Model):
    """The meeting's resolution (มติที่ประชุม) on an item. A later row supersedes an
    earlier one; nothing is overwritten (ARCHITECTURE §4.3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="resolutions"
    )
    poll = models.ForeignKey(
        Poll, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("resolution"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    # APA s.17 (R76): still valid after a member's suspension; the chair may flag it
    redo_requested = models.BooleanField(_("redo requested"), default=False)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return self.text[:60]


class Dissent(models.Model):
    """A member's dissenting opinion with reasons, for the minutes (APA s.83; R52)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="dissents"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField(_("dissenting opinion and reasons"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.member_id} dissents on {self.item_id}"


# The room's own ballots (terminal unlocks, paper batches) live in their own module;
# imported here so Django finds them with the app's models.
from prachum.voting.room_models import (  # noqa: E402
    PaperBallotBatch as PaperBallotBatch,
)
from prachum.voting.room_models import TerminalUnlock as TerminalUnlock  # noqa: E402
