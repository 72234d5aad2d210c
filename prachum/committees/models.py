"""Bodies that meet, their legal basis, membership, quorum rule and allowance rates."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prachum.core.models import TimeStampedModel


class Agency(TimeStampedModel):
    """The government agency that owns committees and sends letters (ส่วนราชการ)."""

    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    letter_code = models.CharField(_("letter code"), max_length=40)  # e.g. มท 0210.5
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    next_letter_number = models.PositiveIntegerField(default=1)
    thai_digits = models.BooleanField(
        _("Thai digits in letters"),
        default=False,
        help_text=_(
            "Print numbers in letters with Thai digits (๑๒๓) instead of 1 2 3."
        ),
    )

    garuda = models.BinaryField(
        _("Garuda emblem"),
        blank=True,
        default=b"",
        help_text=_(
            "The Garuda emblem printed 3 cm high on external letters "
            "(Regulation on Correspondence); PNG or JPEG."
        ),
    )
    head_name = models.CharField(_("head of the agency"), max_length=200, blank=True)
    head_position = models.CharField(
        _("position of the head of the agency"), max_length=200, blank=True
    )
    # R73: the agency's certification or self-assessment against the MDES e-meeting
    # security standard B.E. 2563 (e.g. an ETDA certificate number and date).
    security_certification = models.CharField(
        _("security standard certification or self-assessment"),
        max_length=300,
        blank=True,
        help_text=_(
            "The reference and date of the ETDA certification or of the agency's "
            "self-assessment against the e-meeting security standard B.E. 2563; "
            "leave empty if there is none."
        ),
    )

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def chain_key(self) -> str:
        """The agency's own evidence chain (its details, emblem and head)."""
        return f"agency:{self.pk}"


class BodyType(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    SUBCOMMITTEE = "subcommittee", _("Sub-committee")
    BOARD = "board", _("Board")
    COUNCIL = "council", _("Council")
    OTHER = "other", _("Other body")


class MeetingCategory(models.TextChoices):
    """Decree s.5 names three kinds of meeting it does not cover (R2)."""

    REGULAR = "regular", _("Regular administrative meeting")
    PARLIAMENT = "parliament", _("Meeting of the National Assembly")
    COURT_JUDGMENT = "court_judgment", _("Meeting to make a court judgment")
    PROCUREMENT = "procurement", _("Procurement meeting")
    OTHER = "other", _("Other")


class QuorumKind(models.TextChoices):
    AT_LEAST_FRACTION = "at_least_fraction", _("At least a fraction of members")
    MORE_THAN_FRACTION = "more_than_fraction", _("More than a fraction of members")
    FIXED = "fixed", _("A fixed number of members")


class AllowanceKind(models.TextChoices):
    PER_MEETING = "per_meeting", _("Per meeting")
    MONTHLY = "monthly", _("Monthly")


class Committee(TimeStampedModel):
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="committees"
    )
    name = models.CharField(_("name"), max_length=300)
    body_type = models.CharField(
        _("type of body"),
        max_length=20,
        choices=BodyType.choices,
        default=BodyType.COMMITTEE,
    )
    legal_basis = models.TextField(
        _("legal basis"),
        help_text=_(
            "The law, regulation or order that creates this body (Decree s.4)."
        ),
    )
    category = models.CharField(
        _("meeting category"),
        max_length=30,
        choices=MeetingCategory.choices,
        default=MeetingCategory.REGULAR,
    )
    quorum_kind = models.CharField(
        _("quorum rule"),
        max_length=30,
        choices=QuorumKind.choices,
        default=QuorumKind.AT_LEAST_FRACTION,
    )
    quorum_numerator = models.PositiveSmallIntegerField(default=1)
    quorum_denominator = models.PositiveSmallIntegerField(default=2)
    quorum_fixed = models.PositiveSmallIntegerField(null=True, blank=True)
    substitutes_count = models.BooleanField(
        _("substitutes count for quorum"), default=False
    )
    is_dispute_body = models.BooleanField(_("dispute-ruling commission"), default=False)
    notice_min_days = models.PositiveSmallIntegerField(
        _("minimum notice (days)"), default=3
    )
    allowance_kind = models.CharField(
        _("allowance kind"),
        max_length=20,
        choices=AllowanceKind.choices,
        default=AllowanceKind.PER_MEETING,
    )
    chair_premium = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.25")
    )
    vice_chair_premium = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0")
    )
    pay_secretaries = models.BooleanField(default=True)
    max_paid_assistant_secretaries = models.PositiveSmallIntegerField(default=2)
    pay_invitees = models.BooleanField(default=False)
    no_quorum_no_allowance = models.BooleanField(default=True)
    fallback_channel = models.TextField(
        _("fallback channel"),
        blank=True,
        help_text=_(
            "How to reach the secretary if the electronic meeting fails (R17)."
        ),
    )
    meeting_platform = models.CharField(max_length=100, default="Prachum")
    presence_requires_audio = models.BooleanField(
        _("presence requires audio"),
        default=True,
        help_text=_(
            "A remote member counts as present only while their audio reaches the "
            "meeting (R16, R22)."
        ),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quorum_denominator__gt=0),
                name="committee_quorum_denominator",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def chain_key(self) -> str:
        """The committee's own evidence chain (roster, rules, rates)."""
        return f"committee:{self.pk}"

    @property
    def quorum_fraction(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)


class Role(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")
    ASSISTANT_SECRETARY = "assistant_secretary", _("Assistant secretary")
    MEMBER_SECRETARY = "member_secretary", _("Member and secretary")
    MEMBER_ASSISTANT_SECRETARY = (
        "member_assistant_secretary",
        _("Member and assistant secretary"),
    )
    INVITEE = "invitee", _("Invitee")


# A member-secretary (กรรมการและเลขานุการ) is in both: votes, counts, and keeps the
# secretariat (the law engine's prachum.domain.quorum sets are the same).
VOTING_ROLES = frozenset(
    {
        Role.CHAIR,
        Role.VICE_CHAIR,
        Role.MEMBER,
        Role.MEMBER_SECRETARY,
        Role.MEMBER_ASSISTANT_SECRETARY,
    }
)
SECRETARIAT_ROLES = frozenset(
    {
        Role.SECRETARY,
        Role.ASSISTANT_SECRETARY,
        Role.MEMBER_SECRETARY,
        Role.MEMBER_ASSISTANT_SECRETARY,
    }
)


class Membership(TimeStampedModel):
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_voting = models.BooleanField(
        _("voting member"), help_text=_("Counts for quorum and may vote.")
    )
    position_title = models.CharField(
        _("position in the committee"),
        max_length=300,
        blank=True,
        help_text=_(
            "The office by which this person sits, as the appointing order names it, "
            "e.g. Director of the District Non-Formal Education Centre."
        ),
    )
    position_order = models.PositiveSmallIntegerField(default=100)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position_order", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"], name="membership_one_per_committee"
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    role__in=["member_secretary", "member_assistant_secretary"]
                )
                | models.Q(is_voting=True),
                name="membership_member_secretary_votes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_secretariat(self) -> bool:
        return self.role in SECRETARIAT_ROLES


class AllowanceRate(TimeStampedModel):
    """Rates with effective dates (R57): a new rate applies only to later meetings."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="rates"
    )
    kind = models.CharField(max_length=20, choices=AllowanceKind.choices)
    member_amount = models.DecimalField(max_digits=12, decimal_places=2)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(_("source letter"), max_length=300, blank=True)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member_amount__gte=0),
                name="allowance_rate_non_negative",
            ),
        ]


class ScopeDenyEntry(TimeStampedModel):
    """A meeting category or agenda subject excluded from e-meetings (Decree s.5, R2-R3)."""

    kind = models.CharField(
        max_length=20, choices=[("category", "category"), ("subject", "subject")]
    )
    value = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
