"""Fixtures for retention: an operator, meetings held in the past (with time-machine),
and a runner for ``purge_records`` that returns its exit status and output.

A past meeting goes through the services as it would have then: the chair's decision,
the notice, a paper uploaded and read, every voting member identified and connected,
an incident, the close (which seals the chain).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from prachum.accounts.models import SecondFactorVerification
from prachum.committees.models import Committee
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from tests.factories import MINIMAL_PDF

REASON = "ทดสอบการเก็บรักษา"


@pytest.fixture(autouse=True)
def _transfer_dir(settings: Any, tmp_path: Any) -> None:
    settings.RETENTION_TRANSFER_DIR = tmp_path / "transfer"


def hold_meeting(
    meeting: Meeting, committee: Committee, *, connect: bool = True
) -> Meeting:
    """Run ``meeting`` from decision to close, now (whatever time it is)."""
    chair = committee.memberships.get(role="chair").user
    secretary = committee.memberships.get(role="secretary").user
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    version = meeting_services.upload_document(
        actor=secretary,
        meeting=meeting,
        title="เอกสารประกอบวาระ",
        upload=SimpleUploadedFile(
            "paper.pdf", MINIMAL_PDF, content_type="application/pdf"
        ),
    )
    send_notice(actor=secretary, meeting=meeting)
    voting = [
        m.user
        for m in committee.memberships.filter(is_voting=True).select_related("user")
    ]
    meeting_services.record_document_read(
        actor=voting[0], version=version, ip_address="192.0.2.20"
    )
    if connect:
        for n, user in enumerate(voting):
            SecondFactorVerification.objects.create(user=user, method="totp")
            room_participants.check_identity(
                meeting=meeting,
                user=user,
                location="remote",
                in_kingdom=True,  # meetings before 19 April 2020: NCPO 74/2557
                device_ok=True,
                ip_address="192.0.2.10",
                user_agent="test",
            )
            room_connections.open_connection(
                meeting=meeting,
                user=user,
                channel_name=f"test.{meeting.pk}.{n}",
                session_key=f"s{meeting.pk}{n}",
                ip_address="192.0.2.10",
                port=40000 + n,
                user_agent="test",
            )
        # Before 19 April 2020 (NCPO 74/2557) a third of the quorum had to be in one
        # room; the chair opens with a recorded reason.
        room_lifecycle.open_meeting(
            actor=chair, meeting=meeting, without_quorum_reason=REASON
        )
        room_incidents.report_incident(
            actor=voting[-1], meeting=meeting, description="ภาพกระตุก"
        )
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    else:
        room_lifecycle.open_meeting(
            actor=chair, meeting=meeting, without_quorum_reason=REASON
        )
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk)


@pytest.fixture
def past_meeting(
    make_meeting: Callable[..., Meeting], committee: Committee
) -> Callable[..., Meeting]:
    """``past_meeting(days_ago=4000)``: a meeting held and closed that long ago.

    The meeting is scheduled at the travelled-to moment for ten days later and run at
    once, so its connections end ``days_ago`` days ago and its record (scheduled end)
    ``days_ago - 10`` days ago.
    """

    def make(*, days_ago: int, title: str = "การประชุมในอดีต", **kwargs: Any) -> Meeting:
        moment = timezone.now() - dt.timedelta(days=days_ago)
        with time_machine.travel(moment, tick=True):
            meeting = make_meeting(days_ahead=10, title=title)
            return hold_meeting(meeting, committee, **kwargs)

    return make


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def purge() -> Callable[..., Outcome]:
    """``purge("--execute", "--actor", "operator")`` runs the command, never raises."""

    def run(*args: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("purge_records", *args, stdout=out, stderr=err)
        except CommandError as exc:
            return Outcome(exc.returncode, out.getvalue(), f"{err.getvalue()}{exc}")
        return Outcome(0, out.getvalue(), err.getvalue())

    return run
