"""The compliance checklist (R74) on a meeting run through the services, its page and
its file in the evidence package."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from prachum.allowances.services import compute_allowance_run, confirm_allowance_run
from prachum.committees.models import AllowanceRate, Committee
from prachum.compliance.checklist import all_passed, meeting_checklist
from prachum.compliance.exports import compliance_files
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.voting import ballots, polls

pytestmark = pytest.mark.django_db


def _by_code(meeting: Meeting) -> dict[str, Any]:
    # Details are read in English here; the Thai catalogue is checked elsewhere.
    with translation.override("en"):
        return {c.code: c for c in meeting_checklist(meeting)}


@pytest.fixture
def checklist_meeting(
    committee: Committee,
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    present: Callable[..., Any],
) -> Meeting:
    AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("1000.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    meeting = notified_meeting
    voters = [chair, vice_chair, *members]
    for user in voters:
        present(user, meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    for secret in (False, True):
        poll = polls.create_poll(
            actor=chair, item=item, kind="motion", question="อนุมัติ", secret=secret
        )
        polls.open_poll(actor=chair, poll=poll)
        for voter in voters:
            ballots.cast_ballot(voter=voter, poll=poll, choice="yes")
        polls.close_poll(actor=chair, poll=poll)
    room_incidents.report_incident(
        actor=members[0], meeting=meeting, description="ภาพกระตุก"
    )
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def test_a_draft_meeting_fails_the_notice_and_waits_for_the_rest(
    meeting: Meeting,
) -> None:
    checks = _by_code(meeting)
    assert checks["LEGAL_BASIS"].passed is True
    assert checks["NOT_EXCLUDED"].passed is True
    assert checks["CHAIR_DECISION"].passed is False
    assert checks["NOTICE_SENT"].passed is False
    assert checks["NOTICE_ON_TIME"].passed is False
    for code in ("IDENTITY", "TRAFFIC_DATA", "CLOCK", "ALLOWANCES"):
        assert checks[code].passed is None, code
    assert checks["VOTES"].passed is True  # no polls: not applicable
    assert not all_passed(list(checks.values()))


def test_a_held_meeting_passes_what_the_record_shows(
    checklist_meeting: Meeting, secretary: Any
) -> None:
    checks = _by_code(checklist_meeting)
    assert checks["ALLOWANCES"].passed is False  # closed, not computed
    run = compute_allowance_run(actor=secretary, meeting=checklist_meeting)
    assert _by_code(checklist_meeting)["ALLOWANCES"].passed is None  # draft
    confirm_allowance_run(actor=secretary, run=run)
    checks = _by_code(checklist_meeting)
    not_built = {"RECORDING", "MINUTES"}
    for code, check in checks.items():
        if code in not_built:
            assert check.passed is None, code
        else:
            assert check.passed is True, (code, check.detail)
    assert "2 polls (1 secret)" in checks["VOTES"].detail
    assert "1 incidents" in checks["INCIDENTS"].detail
    assert checks["CHAIN"].evidence_url == reverse(
        "meetings:evidence", args=[checklist_meeting.pk]
    )
    assert [c.requirement for c in checks.values()][:3] == ["R1", "R2/R3", "R4"]
    assert not all_passed(list(checks.values()))  # recording and minutes not built


def test_an_open_poll_fails_the_votes_check(
    notified_meeting: Meeting,
    chair: Any,
    open_room: Callable[[Meeting], Meeting],
) -> None:
    meeting = open_room(notified_meeting)
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติ", secret=False
    )
    polls.open_poll(actor=chair, poll=poll)
    checks = _by_code(meeting)
    assert checks["VOTES"].passed is False
    assert checks["CLOCK"].passed is None  # not closed yet
    assert checks["IDENTITY"].passed is True


def test_compliance_json_for_the_package(checklist_meeting: Meeting) -> None:
    [(path, data)] = list(compliance_files(checklist_meeting))
    assert path == "compliance.json"
    body = json.loads(data)
    assert body["meeting"] == str(checklist_meeting.pk)
    assert body["all_passed"] is False
    codes = {c["code"]: c for c in body["checks"]}
    assert codes["CHAIN"]["passed"] is True
    assert codes["RECORDING"]["passed"] is None
    assert codes["RECORDING"]["detail"] == "Media not yet available."


def test_the_page_is_for_participants(
    checklist_meeting: Meeting, member: Any, outsider: Any, client: Client
) -> None:
    url = reverse("compliance:meeting", args=[checklist_meeting.pk])
    for user, status in ((outsider, 404), (member, 200)):
        client.force_login(user)
        session = client.session
        session["second_factor_ok"] = True
        session.save()
        response = client.get(url, headers={"accept-language": "en"})
        assert response.status_code == status
    text = response.content.decode()
    assert 'data-code="CHAIN" data-passed="yes"' in text
    assert 'data-code="MINUTES" data-passed="unknown"' in text
    assert reverse("meetings:evidence", args=[checklist_meeting.pk]) in text


def test_the_report_lists_the_security_standard_and_the_agency_reference(
    checklist_meeting: Meeting, member: Any, client: Client, settings: Any
) -> None:
    """R73: every control of MDES 2563 with how it is met; "none" without a reference."""
    url = reverse("compliance:meeting", args=[checklist_meeting.pk])
    client.force_login(member)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    text = client.get(url).content.decode()
    for key in ("identity", "av", "documents", "voting", "evidence", "traffic"):
        assert f'data-control="{key}"' in text
    assert 'data-control="secret_hosting"' in text
    assert "มาตรฐานการรักษาความมั่นคงปลอดภัยของการประชุมผ่านสื่ออิเล็กทรอนิกส์" in text
    assert "<strong>ไม่มี</strong>" in text

    agency = checklist_meeting.committee.agency
    agency.security_certification = "สพธอ. รับรองเลขที่ 7/2569"
    agency.save()
    settings.HOSTING_COUNTRY = "SG"
    text = client.get(url).content.decode()
    assert "<strong>สพธอ. รับรองเลขที่ 7/2569</strong>" in text
    assert "การประชุมลับจึงไม่อาจจัดได้" in text
    [(_path, data)] = list(compliance_files(checklist_meeting))
    standard = json.loads(data)["security_standard"]
    assert standard["certification"] == "สพธอ. รับรองเลขที่ 7/2569"
    assert standard["hosted_in_kingdom"] is False
    assert [c["key"] for c in standard["controls"]][:2] == ["identity", "av"]
