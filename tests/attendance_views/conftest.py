"""Fixtures for the room pages: a notified meeting, clients past both login factors,
fresh or stale one-time codes, and identity checks made through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance.models import IdentityCheck, LocationKind
from prachum.committees.models import Committee, Role
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.notices import services as notice_services
from prachum.room import participants as room_participants
from tests.factories import MembershipFactory, UserFactory

USER_AGENT = "Mozilla/5.0 (Prachum view test)"


@pytest.fixture(autouse=True)
def _room_settings(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    settings.IDENTITY_CHECK_FRESH_MINUTES = 10


@pytest.fixture
def notify(chair: Any, secretary: Any) -> Callable[[Meeting], Meeting]:
    """The chair decides to meet electronically and the secretary sends the notice."""

    def run(meeting: Meeting) -> Meeting:
        meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
        notice_services.send_notice(actor=secretary, meeting=meeting)
        meeting.refresh_from_db()
        return meeting

    return run


@pytest.fixture
def notified_meeting(meeting: Meeting, notify: Callable[[Meeting], Meeting]) -> Meeting:
    return notify(meeting)


@pytest.fixture
def hybrid_meeting(
    make_meeting: Callable[..., Meeting], notify: Callable[[Meeting], Meeting]
) -> Meeting:
    return notify(make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"))


@pytest.fixture
def members(committee: Committee) -> list[Any]:
    return [
        m.user
        for m in committee.memberships.filter(role=Role.MEMBER)
        .select_related("user")
        .order_by("user__username")
    ]


@pytest.fixture
def invitee(committee: Committee) -> Any:
    return MembershipFactory(
        committee=committee,
        role=Role.INVITEE,
        user=UserFactory(username="invitee", full_name="ผู้ชี้แจง ทดสอบ"),
    ).user


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """A browser for ``user`` past both login factors, in ``language``."""

    def make(user: Any, language: str = "th") -> Client:
        client = Client(headers={"accept-language": language, "user-agent": USER_AGENT})
        client.force_login(user)
        session = client.session
        session["second_factor_ok"] = True
        session.save()
        return client

    return make


@pytest.fixture
def factor_at() -> Callable[..., SecondFactorVerification]:
    """Record that ``user`` entered a one-time code ``minutes_ago`` minutes ago."""

    def make(user: Any, minutes_ago: float = 0) -> SecondFactorVerification:
        verification = SecondFactorVerification.objects.create(
            user=user, method="totp", ip_address="203.0.113.5", user_agent=USER_AGENT
        )
        if minutes_ago:
            at = timezone.now() - dt.timedelta(minutes=minutes_ago)
            SecondFactorVerification.objects.filter(pk=verification.pk).update(at=at)
            verification.refresh_from_db()
        return verification

    return make


@pytest.fixture
def identified(
    factor_at: Callable[..., SecondFactorVerification],
) -> Callable[..., IdentityCheck]:
    """``identified(user, meeting)``: a fresh code, then the service's identity check."""

    def run(user: Any, meeting: Meeting, **kwargs: Any) -> IdentityCheck:
        factor_at(user)
        return room_participants.check_identity(
            meeting=meeting,
            user=user,
            location=kwargs.get("location", LocationKind.REMOTE),
            device_ok=True,
            user_agent=USER_AGENT,
        )

    return run


@pytest.fixture
def totp_user() -> Callable[[Any], str]:
    """Give ``user`` a confirmed authenticator; returns its secret."""

    def run(user: Any) -> str:
        secret = pyotp.random_base32()
        user.second_factor = "totp"
        user.totp_secret = secret
        user.totp_confirmed_at = timezone.now()
        user.save()
        return secret

    return run
