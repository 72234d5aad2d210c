"""Fixtures of the room package's tests; the live room's own are in
``tests/fixtures/room.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from prachum.meetings.models import Meeting


@pytest.fixture
def live_meeting(
    notified_meeting: Meeting, open_room: Callable[[Meeting], Meeting]
) -> Meeting:
    """The notified meeting, opened with four voting members present."""
    return open_room(notified_meeting)
