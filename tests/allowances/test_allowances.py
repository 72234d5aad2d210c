"""A meeting run through the services, then its allowance list (R56-R62): who is paid,
how much, the amount in words, confirmation, and the CSV and PDF payment lists."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.allowances import exports
from prachum.allowances.models import AllowanceLine, ConfirmedRunError, RunStatus
from prachum.allowances.services import compute_allowance_run, confirm_allowance_run
from prachum.committees.models import AllowanceRate, Committee
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.thai_dates import baht_text
from prachum.meetings.models import Meeting
from prachum.room import connections as room_conns
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.verify.pdf_signatures import NO_SIGNATURE, check_pdf_signature
from tests.fixtures.room import event_kinds, last_event
from tests.pdf_signature_checks import assert_signed_by_the_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowance_meeting(
    rate: AllowanceRate,
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    invitee: Any,
    present: Callable[..., Any],
    identified: Callable[..., Any],
    connect: Callable[..., Any],
) -> Meeting:
    """Chair, vice-chair, secretary, member1-2 present throughout; member3 connected
    but left before the opening; member4 present at the opening, left before the first
    item; member5 never identified; the invitee admitted for item 4 and connected."""
    meeting = notified_meeting
    for user in (chair, vice_chair, secretary, members[0], members[1], members[3]):
        present(user, meeting)
    early = present(members[2], meeting)
    room_conns.close_connection(connection_id=early.id, reason="left")
    identified(invitee, meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    fourth = next(c for c in room_connections(meeting) if c.user_id == members[3].pk)
    room_conns.close_connection(connection_id=fourth.id, reason="left")
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    room_participants.admit_invitee(
        actor=chair, meeting=meeting, user=invitee, item=item
    )
    connect(invitee, meeting)
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def room_connections(meeting: Meeting) -> list[Any]:
    from prachum.attendance.models import Connection

    return list(Connection.objects.filter(meeting=meeting))


def _lines(run: Any) -> dict[str, AllowanceLine]:
    return {line.person.username: line for line in run.lines.select_related("person")}


def test_the_list_follows_the_record(
    allowance_meeting: Meeting, secretary: Any
) -> None:
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    lines = _lines(run)
    assert run.status == RunStatus.DRAFT
    assert run.quorate
    assert run.presiding is not None
    assert run.presiding.username == "chair"
    assert lines["chair"].amount == Decimal("1250.00")
    assert lines["chair"].reason_code == "ALLOWANCE_CHAIR"
    for name in ("vice_chair", "secretary", "member1", "member2"):
        assert lines[name].amount == Decimal("1000.00"), name
    # Present at the opening, gone before the first item: attended, so paid.
    assert lines["member4"].amount == Decimal("1000.00")
    # Identified and connected, but left before the chair opened: never present.
    assert lines["member3"].amount == Decimal("0.00")
    assert lines["member3"].reason_code == "NOT_ATTENDED"
    assert lines["member3"].mode == ""
    assert lines["invitee"].amount == Decimal("0.00")
    assert lines["invitee"].reason_code == "INVITEE_NOT_PAID"
    assert "member5" not in lines  # no identity check: not an attendee
    assert lines["member1"].mode == "remote"
    assert lines["member1"].identity_method == "second_factor"
    assert run.total == sum(line.amount for line in lines.values())
    assert run.total == Decimal("6250.00")
    event = last_event(allowance_meeting, "allowances.computed")
    assert event.payload["total"] == "6250.00"
    assert event.actor == secretary


def test_chair_absent_vice_chair_presides(
    rate: AllowanceRate,
    notified_meeting: Meeting,
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
    present: Callable[..., Any],
) -> None:
    for user in (vice_chair, *members[:4]):
        present(user, notified_meeting)
    room_lifecycle.open_meeting(actor=secretary, meeting=notified_meeting)
    room_lifecycle.close_meeting(actor=secretary, meeting=notified_meeting)
    run = compute_allowance_run(actor=secretary, meeting=notified_meeting)
    lines = _lines(run)
    assert "chair" not in lines
    assert lines["vice_chair"].amount == Decimal("1250.00")
    assert lines["vice_chair"].reason_code == "ALLOWANCE_PRESIDING"


def test_a_meeting_without_quorum_pays_nothing_when_the_rule_is_on(
    rate: AllowanceRate,
    notified_meeting: Meeting,
    committee: Committee,
    chair: Any,
    members: list[Any],
    present: Callable[..., Any],
    secretary: Any,
) -> None:
    present(chair, notified_meeting)
    present(members[0], notified_meeting)
    room_lifecycle.open_meeting(
        actor=chair, meeting=notified_meeting, without_quorum_reason="ทดสอบ"
    )
    room_lifecycle.close_meeting(actor=chair, meeting=notified_meeting)
    run = compute_allowance_run(actor=secretary, meeting=notified_meeting)
    assert not run.quorate
    assert run.total == Decimal("0.00")
    assert {line.reason_code for line in run.lines.all()} == {"NO_QUORUM_NO_ALLOWANCE"}
    committee.no_quorum_no_allowance = False
    committee.save()
    again = compute_allowance_run(actor=secretary, meeting=notified_meeting)
    assert again.total == Decimal("2250.00")
    assert not type(run).objects.filter(pk=run.pk).exists()  # the draft was replaced


def test_only_a_closed_meeting_and_only_the_secretariat(
    rate: AllowanceRate, notified_meeting: Meeting, secretary: Any, chair: Any
) -> None:
    with pytest.raises(ServiceError) as error:
        compute_allowance_run(actor=secretary, meeting=notified_meeting)
    assert error.value.code == "MEETING_NOT_CLOSED"
    with pytest.raises(PermissionDeniedError):
        compute_allowance_run(actor=chair, meeting=notified_meeting)


def test_no_rate_in_force_is_refused(
    allowance_meeting: Meeting, rate: AllowanceRate, secretary: Any
) -> None:
    rate.valid_to = rate.valid_from
    rate.save()
    with pytest.raises(ServiceError) as error:
        compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    assert error.value.code == "NO_RATE_IN_FORCE"


def test_confirmation_locks_the_list(
    allowance_meeting: Meeting, secretary: Any
) -> None:
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    run = confirm_allowance_run(actor=secretary, run=run)
    assert run.status == RunStatus.CONFIRMED
    assert run.confirmed_by == secretary
    assert event_kinds(allowance_meeting)[-2:] == [
        "allowances.computed",
        "allowances.confirmed",
    ]
    computed = last_event(allowance_meeting, "allowances.computed")
    confirmed = last_event(allowance_meeting, "allowances.confirmed")
    assert confirmed.payload["lines_sha256"] == computed.payload["lines_sha256"]
    line = run.lines.first()
    line.amount = Decimal("9999.00")
    with pytest.raises(ConfirmedRunError):
        line.save()
    with pytest.raises(ServiceError) as error:
        compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    assert error.value.code == "ALREADY_CONFIRMED"
    with pytest.raises(ServiceError):
        confirm_allowance_run(actor=secretary, run=run)


def test_amount_in_words() -> None:
    assert baht_text(Decimal("1250.00")) == "หนึ่งพันสองร้อยห้าสิบบาทถ้วน"
    assert baht_text(Decimal("6250.00")) == "หกพันสองร้อยห้าสิบบาทถ้วน"


def test_csv_has_a_bom_and_the_totals(
    allowance_meeting: Meeting, secretary: Any
) -> None:
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    data = exports.csv_bytes(run)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "ประธาน ทดสอบ" in text
    assert "1250.00,หนึ่งพันสองร้อยห้าสิบบาทถ้วน" in text
    assert "6250.00,หกพันสองร้อยห้าสิบบาทถ้วน" in text
    assert "INVITEE_NOT_PAID" in text


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    # -raw follows the content stream, so Thai marks stay with their consonants
    # (-layout sorts glyphs by x; see tests/letters/test_invitation_pdf.py).
    path = tmp_path / "list.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-raw", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_pdf_payment_list(
    allowance_meeting: Meeting, secretary: Any, tmp_path: Path
) -> None:
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    data = exports.pdf_bytes(run, language="en")
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    for expected in (
        "Meeting allowance payment list",
        "Signature of payee",
        "1,250.00",
        "6,250.00",
        "Draft",
    ):
        assert expected in flat, expected
    # Thai shaped text survives extraction: names and the amounts in words.
    squashed = "".join(text.replace("ำ ", "ำ").split())
    for expected in (
        "ประธานทดสอบ",
        "หนึ่งพันสองร้อยห้าสิบบาทถ้วน",
        "หนึ่งพันบาทถ้วน",
        "หกพันสองร้อยห้าสิบบาทถ้วน",
    ):
        assert expected in squashed, expected


def test_the_pdf_payment_list_in_the_agencys_thai_digits(
    allowance_meeting: Meeting, secretary: Any, tmp_path: Path
) -> None:
    """R67: the agency's option holds for the payment list too, every number in it."""
    agency = allowance_meeting.committee.agency
    agency.thai_digits = True
    agency.save()
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    text = _pdf_text(exports.pdf_bytes(run), tmp_path)
    assert "๑,๒๕๐.๐๐" in text
    assert not any(c.isascii() and c.isdigit() for c in text), text


def _login(client: Client, user: Any) -> None:
    """Past both factors, as ``tests/web/conftest.py`` does."""
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()


def test_views_for_the_secretary_and_chair_only(
    allowance_meeting: Meeting, secretary: Any, chair: Any, member: Any, client: Client
) -> None:
    page = reverse("allowances:meeting", args=[allowance_meeting.pk])
    _login(client, member)
    assert client.get(page).status_code == 404
    _login(client, secretary)
    response = client.post(reverse("allowances:compute", args=[allowance_meeting.pk]))
    assert response.status_code == 302
    run = allowance_meeting.allowance_runs.get()
    _login(client, chair)
    response = client.get(page)
    assert response.status_code == 200
    assert "หนึ่งพันสองร้อยห้าสิบบาทถ้วน" in response.content.decode()
    csv = client.get(reverse("allowances:csv", args=[allowance_meeting.pk, run.pk]))
    assert csv.status_code == 200
    assert csv.content.startswith(b"\xef\xbb\xbf")
    pdf = client.get(reverse("allowances:pdf", args=[allowance_meeting.pk, run.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    for download in (csv, pdf):  # Issue 15, F7: sandboxed attachments.
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["Content-Security-Policy"] == "sandbox"
        assert download["X-Content-Type-Options"] == "nosniff"
    # The chair sees the list but the secretariat confirms it.
    client.post(reverse("allowances:confirm", args=[allowance_meeting.pk, run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT
    _login(client, secretary)
    client.post(reverse("allowances:confirm", args=[allowance_meeting.pk, run.pk]))
    run.refresh_from_db()
    assert run.status == RunStatus.CONFIRMED


def test_f8_the_payment_list_csv_neutralises_formulas_in_names(
    allowance_meeting: Meeting, secretary: Any, chair: Any
) -> None:
    chair.title = ""
    chair.full_name = '=HYPERLINK("http://evil.example/","คลิก")'
    chair.save(update_fields=["title", "full_name"])
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)

    rows = list(csv.reader(io.StringIO(exports.csv_bytes(run).decode("utf-8-sig"))))

    names = [row[1] for row in rows]
    assert '\'=HYPERLINK("http://evil.example/","คลิก")' in names
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in rows
        for cell in row
    )


def test_the_confirmed_payment_list_pdf_is_signed_once_and_is_what_is_offered(
    allowance_meeting: Meeting, secretary: Any, client: Client, tmp_path: Path
) -> None:
    """Issue 16 point 4, ADR 0022: signed at confirmation, validated by pyHanko and
    pdfsig, broken by one changed byte; the download is those bytes; a draft is not
    signed."""
    run = compute_allowance_run(actor=secretary, meeting=allowance_meeting)
    assert check_pdf_signature(exports.pdf_bytes(run)).problem == NO_SIGNATURE
    run = confirm_allowance_run(actor=secretary, run=run)
    signed = bytes(run.signed_pdf)
    assert_signed_by_the_agency(signed, tmp_path)
    confirmed = last_event(allowance_meeting, "allowances.confirmed")
    assert confirmed.payload["pdf_sha256"] == hashlib.sha256(signed).hexdigest()
    assert "1,250.00" in _pdf_text(signed, tmp_path)  # the list itself, unchanged
    _login(client, secretary)
    pdf = client.get(reverse("allowances:pdf", args=[allowance_meeting.pk, run.pk]))
    assert pdf.content == signed
