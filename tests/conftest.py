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
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from prachum.committees.models import Agency, Committee, Role
from prachum.domain.thai_dates import BANGKOK
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingMode
from tests.collection import deselect
from tests.factories import (
    AgencyFactory,
    CommitteeFactory,
    MembershipFactory,
    UserFactory,
)
from tests.smtp import smtp_server  # noqa: F401  (fixture for every test package)

# Fixtures shared by several test packages, each defined once (tests/test_fixtures_unique.py).
pytest_plugins = ["tests.fixtures.room"]

#: Fixtures through which a test reaches the database (pytest-django's own).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def uses_database(item: pytest.Item) -> bool:
    """The test reaches the database (a ``django_db`` mark or a database fixture,
    directly or through its fixtures)."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """CI runs the suite twice, on SQLite then on PostgreSQL (``.ci/run``): a test
    that never reaches the database runs the same on both, so the PostgreSQL run
    leaves it to the SQLite one (deselected, not skipped). ``ALL_TESTS=1`` keeps them."""
    from django.db import connection

    if connection.vendor != "postgresql" or os.environ.get("ALL_TESTS") == "1":
        return
    deselect(config, items, lambda item: not uses_database(item))


IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


def settings_for_tests(folder: Path) -> dict[str, Any]:
    """The settings every test runs with, its files under ``folder`` (also used by the
    fixtures that build something once for a whole module: tests/built_once.py)."""
    return {
        # Files into the test's own folder, tasks run in-process, mail to the outbox.
        "MEDIA_ROOT": folder / "media",
        "EMAIL_OUTBOX_DIR": folder / "outbox",
        "TASKS": IMMEDIATE_TASKS,
        "EMAIL_URL": "",
        # Codes are not shown on the page unless a test asks for a demonstration.
        "DEMO_MODE": False,
        # Secret meetings are allowed only on a deployment declared in the Kingdom (R44).
        "HOSTING_COUNTRY": "TH",
        "SERVICE_COUNTRY": "TH",
        "DEFAULT_FROM_EMAIL": "prachum@example.go.th",
        "SITE_URL": "https://prachum.example.go.th",
        # Hashing the cast's passwords with PBKDF2 would dominate the run time.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Each test signs with its own agency key and builds packages in its own folder.
        "SIGNING_KEY_FILE": folder / "secrets" / "agency-ed25519.pem",
        "EVIDENCE_PACKAGES_DIR": folder / "packages",
        # ... and encrypts stored secrets with its own field key (made on first use).
        "FIELD_ENCRYPTION_KEYS": [],
        "FIELD_ENCRYPTION_KEYS_FILE": folder / "secrets" / "field-keys",
        # The room's tests open meetings noticed for days ahead; the on-time rule has its
        # own tests (tests/room/test_open_on_time.py), which set the real margin.
        "MEETING_OPEN_EARLY_MINUTES": 60 * 24 * 365,
    }


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Path) -> None:
    """Files into the test's own folder, tasks run in-process, mail to the outbox."""
    for name, value in settings_for_tests(tmp_path).items():
        setattr(settings, name, value)


def bangkok_at(days_ahead: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """``hour:minute`` in Bangkok on the Bangkok date ``days_ahead`` days from today."""
    day = timezone.localdate(timezone=BANGKOK) + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BANGKOK)


def make_agency() -> Agency:
    return AgencyFactory(
        name="สำนักงานปลัดกระทรวงตัวอย่าง",
        letter_code="มท 0210.5",
        next_letter_number=41,
    )


def make_committee(agency: Agency) -> Committee:
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


@pytest.fixture
def agency(db: None) -> Agency:
    return make_agency()


@pytest.fixture
def committee(agency: Agency) -> Committee:
    return make_committee(agency)


def cast_member(committee: Committee, role: str) -> Any:
    return committee.memberships.filter(role=role).select_related("user").first().user


@pytest.fixture
def chair(committee: Committee) -> Any:
    return cast_member(committee, Role.CHAIR)


@pytest.fixture
def vice_chair(committee: Committee) -> Any:
    return cast_member(committee, Role.VICE_CHAIR)


@pytest.fixture
def secretary(committee: Committee) -> Any:
    return cast_member(committee, Role.SECRETARY)


@pytest.fixture
def member(committee: Committee) -> Any:
    return cast_member(committee, Role.MEMBER)


@pytest.fixture
def operator(db: None) -> Any:
    """An operator (is_staff): installs, configures, looks after accounts."""
    return UserFactory(username="operator", full_name="ผู้ดูแลระบบ", staff=True)


@pytest.fixture
def outsider(db: None) -> Any:
    return UserFactory(username="outsider", full_name="คนนอก ทดสอบ")


def schedule_test_meeting(
    committee: Committee,
    secretary: Any,
    *,
    days_ahead: int = 10,
    mode: str = MeetingMode.ELECTRONIC,
    venue: str = "",
    title: str = "การประชุมคณะกรรมการพัฒนาระบบราชการ",
    hours: int = 2,
) -> Meeting:
    """A meeting scheduled through the service by ``secretary``."""
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


@pytest.fixture
def make_meeting(committee: Committee, secretary: Any) -> Callable[..., Meeting]:
    """Schedule a meeting through the service: ``make_meeting(days_ahead=2)``."""

    def make(**options: Any) -> Meeting:
        return schedule_test_meeting(committee, secretary, **options)

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
