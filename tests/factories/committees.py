"""Agencies, committees, memberships, allowance rates and deny-list entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from prachum.committees.models import (
    VOTING_ROLES,
    Agency,
    AllowanceKind,
    AllowanceRate,
    Committee,
    MeetingCategory,
    Membership,
    Role,
    ScopeDenyEntry,
)
from tests.factories.accounts import UserFactory


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n:03d}")
    address = "Bangkok 10200"
    letter_code = "มท 0210.5"
    phone = "0 2222 0000"
    email = factory.Sequence(lambda n: f"agency{n:03d}@example.go.th")
    next_letter_number = 1


class CommitteeFactory(DjangoModelFactory):
    class Meta:
        model = Committee

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Committee {n:03d}")
    legal_basis = "Order of the Permanent Secretary No. 1/2569"
    category = MeetingCategory.REGULAR
    fallback_channel = "Telephone the secretary: 0 2222 0001"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    committee = factory.SubFactory(CommitteeFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    is_voting = factory.LazyAttribute(lambda o: o.role in VOTING_ROLES)
    position_order = factory.LazyAttribute(lambda o: Role.values.index(o.role))

    class Params:
        chair = factory.Trait(role=Role.CHAIR)
        vice_chair = factory.Trait(role=Role.VICE_CHAIR)
        secretary = factory.Trait(role=Role.SECRETARY)


class AllowanceRateFactory(DjangoModelFactory):
    class Meta:
        model = AllowanceRate

    committee = factory.SubFactory(CommitteeFactory)
    kind = AllowanceKind.PER_MEETING
    member_amount = Decimal("1000.00")
    valid_from = dt.date(2026, 1, 1)
    valid_to = None
    source = "Ministry of Finance letter"


class ScopeDenyEntryFactory(DjangoModelFactory):
    class Meta:
        model = ScopeDenyEntry

    kind = "category"
    value = MeetingCategory.OTHER
    valid_from = dt.date(2026, 1, 1)
    valid_to = None
    source = "Ministerial regulation (test)"
