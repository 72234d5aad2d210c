"""Build an expensive thing once for a whole test module (an evidence package: a whole
meeting through the services, sealed, signed and zipped) and give each test its files.

The build runs like a test: the test settings pointed at a folder of its own, the
cast and the meeting made by the same helpers as the fixtures of ``tests/conftest.py``,
on-commit callbacks run, and everything it wrote to the database rolled back at the
end, so the tests that follow see the empty database they always see. What stays is
files: the package, and the keys it was signed with (``secrets/``), which
:func:`use_secrets` copies into a test's own secrets folder, so the test signs and
verifies with the very key the package was built with.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.test import TestCase, override_settings

from prachum.committees.models import Committee, Role
from prachum.meetings.models import Meeting
from tests.conftest import (
    cast_member,
    make_agency,
    make_committee,
    schedule_test_meeting,
    settings_for_tests,
)

T = TypeVar("T")


class Cast:
    """The conftest cast: the committee, its chair and secretary, and (made when first
    asked for) the ``meeting`` ten days ahead, as the fixtures of those names give."""

    def __init__(self, committee: Committee) -> None:
        self.committee = committee
        self.chair = cast_member(committee, Role.CHAIR)
        self.secretary = cast_member(committee, Role.SECRETARY)

    @cached_property
    def meeting(self) -> Meeting:
        return self.make_meeting(days_ahead=10)

    def make_meeting(self, **options: Any) -> Meeting:
        return schedule_test_meeting(self.committee, self.secretary, **options)


@dataclass(frozen=True)
class Built(Generic[T]):
    """What a build left: its result (such as a path inside ``folder``) and its
    secrets."""

    result: T
    folder: Path

    @property
    def secrets(self) -> Path:
        return self.folder / "secrets"


@contextmanager
def _usual_umask() -> Iterator[None]:
    """The usual umask 022 (the ``loose_umask`` fixture), so a file's mode is its own."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def build_once(
    django_db_blocker: Any, tmp_path_factory: Any, name: str, build: Callable[[Cast], T]
) -> Built[T]:
    """``build(cast)`` in a rolled-back transaction with the test settings on a new
    folder ``name`` (it runs the package task inside :func:`on_commit_run`)."""
    folder = Path(tmp_path_factory.mktemp(name))
    with (
        django_db_blocker.unblock(),
        override_settings(**settings_for_tests(folder)),
        _usual_umask(),
        transaction.atomic(),
    ):
        cast = Cast(make_committee(make_agency()))
        result = build(cast)
        transaction.set_rollback(True)
    return Built(result=result, folder=folder)


def on_commit_run() -> Any:
    """What the ``django_capture_on_commit_callbacks(execute=True)`` fixture gives."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def use_secrets(built: Built[T]) -> T:
    """Put the build's keys where the running test's settings look for them; the
    build's result."""
    target = Path(settings.SIGNING_KEY_FILE).parent
    shutil.copytree(built.secrets, target, dirs_exist_ok=True)
    return built.result
