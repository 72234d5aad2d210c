"""Fixtures shared by the notice tests."""

import pytest

from prachum.meetings import services as meeting_services


@pytest.fixture
def ready_meeting(meeting, chair):
    """The ``meeting`` fixture after the chair's decision to meet electronically."""
    return meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
