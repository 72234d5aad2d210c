"""Project-wide fixtures: test settings and a cast of people (Healthchecks style).

The cast is one agency and one committee of nine people: a chair, a vice-chair, a
secretary (non-voting) and six members, plus an ``outsider`` who belongs to no
committee. ``meeting`` is an electronic meeting scheduled through the service by the
secretary ten days ahead, at 10:00 Bangkok time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from prachum.committees.models import Agency, Committee, Role
from prachum.domain.thai_dates import BANGKOK
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from tests.factories import (
    AgencyFactory,
    CommitteeFactory,
    MembershipFactory,
    UserFactory,
)
from tests.smtp import smtp_server  # noqa: F401  (fixture for every test package)

# Fixtures shared by several test packages, each defined once (tests/test_fixtures_unique.py).
pytest_plugins = ["tests.fixtures.room"]

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    """Files into the test's own folder, tasks run in-process, mail to the outbox."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.TASKS = IMMEDIATE_TASKS
    settings.EMAIL_URL = ""
    # Codes are not shown on the page unless a test asks for a demonstration.
    settings.DEMO_MODE = False
    # Secret meetings are allowed only on a deployment declared in the Kingdom (R44).
    settings.HOSTING_COUNTRY = "TH"
    settings.SERVICE_COUNTRY = "TH"
    settings.DEFAULT_FROM_EMAIL = "prachum@example.go.th"
    settings.SITE_URL = "https://prachum.example.go.th"
    # Hashing the cast's passwords with PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test signs with its own agency key and builds packages in its own folder.
    settings.SIGNING_KEY_FILE = tmp_path / "secrets" / "agency-ed25519.pem"
    settings.EVIDENCE_PACKAGES_DIR = tmp_path / "packages"
    # ... and encrypts stored secrets with its own field key (made on first use).
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_KEYS_FILE = tmp_path / "secrets" / "field-keys"
    # The room's tests open meetings noticed for days ahead; the on-time rule has its
    # own tests (tests/room/test_open_on_time.py), which set the real margin.
    settings.MEETING_OPEN_EARLY_MINUTES = 60 * 24 * 365


def bangkok_at(days_ahead: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """``hour:minute`` in Bangkok on the Bangkok date ``days_ahead`` days from today."""
    day = timezone.localdate(timezone=BANGKOK) + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BANGKOK)


@pytest.fixture
def agency(db: None) -> Agency:
    return AgencyFactory(
        name="สำนักงานปลัดกระทรวงตัวอย่าง",
        letter_code="มท 0210.5",
        next_letter_number=41,
    )


@pytest.fixture
def committee(agency: Agency) -> Committee:
    committee = CommitteeFactory(
        agency=agency,
        name="คณะกรรมการพัฒนาระบบราชการ",
        notice_min_days=3,
    )
    cast = [
        ("chair", Role.CHAIR, "ประธาน ทดสอบ"),
        ("vice_chair", Role.VICE_CHAIR, "รองประธาน ทดสอบ"),
        ("secretary", Role.SECRETARY, "เลขานุการ ทดสอบ"),
    ] + [(f"member{i}", Role.MEMBER, f"กรรมการ คนที่{i}") for i in range(1, 7)]
    for username, role, full_name in cast:
        MembershipFactory(
            committee=committee,
            role=role,
            user=UserFactory(username=username, full_name=full_name),
        )
    return committee


def _cast_member(committee: Committee, role: str) -> Any:
    return committee.memberships.filter(role=role).select_related("user").first().user


@pytest.fixture
def chair(committee: Committee) -> Any:
    return _cast_member(committee, Role.CHAIR)


@pytest.fixture
def vice_chair(committee: Committee) -> Any:
    return _cast_member(committee, Role.VICE_CHAIR)


@pytest.fixture
def secretary(committee: Committee) -> Any:
    return _cast_member(committee, Role.SECRETARY)


@pytest.fixture
def member(committee: Committee) -> Any:
    return _cast_member(committee, Role.MEMBER)


@pytest.fixture
def operator(db: None) -> Any:
    """An operator (is_staff): installs, configures, looks after accounts."""
    return UserFactory(username="operator", full_name="ผู้ดูแลระบบ", staff=True)


@pytest.fixture
def outsider(db: None) -> Any:
    return UserFactory(username="outsider", full_name="คนนอก ทดสอบ")


@pytest.fixture
def make_meeting(committee: Committee, secretary: Any) -> Callable[..., Meeting]:
    """Schedule a meeting through the service: ``make_meeting(days_ahead=2)``."""

    def make(
        *,
        days_ahead: int = 10,
        mode: str = MeetingMode.ELECTRONIC,
        venue: str = "",
        title: str = "การประชุมคณะกรรมการพัฒนาระบบราชการ",
        hours: int = 2,
    ) -> Meeting:
        starts_at = bangkok_at(days_ahead)
        return meeting_services.schedule_meeting(
            actor=secretary,
            committee=committee,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            mode=mode,
            venue=venue,
        )

    return make


@pytest.fixture
def meeting(make_meeting: Callable[..., Meeting]) -> Meeting:
    return make_meeting(days_ahead=10)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask 022: a file made without an explicit mode is 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)
