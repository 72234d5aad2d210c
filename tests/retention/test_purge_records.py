"""``purge_records``: the CCA floor, legal holds, dry runs, the transfer to the Fine Arts
Department before a meeting's record is deleted, and the audit log of what went."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from prachum.attendance.models import Connection, IdentityCheck, Incident, RoomState
from prachum.evidence import keys
from prachum.evidence.models import EvidenceChain, EvidenceEvent, EvidencePackage, Seal
from prachum.evidence.selectors import check_chain, list_events
from prachum.evidence.services import append_event
from prachum.meetings.models import (
    AgendaItem,
    Document,
    DocumentRead,
    DocumentVersion,
    Meeting,
)
from prachum.notices.models import Notice, NoticeMessage
from prachum.retention import holds, selectors
from prachum.retention import purge as retention_purge
from prachum.retention.models import AuditLog, LegalHold, RetentionPolicy
from prachum.retention.transfer import sha256_file
from prachum.verify.package import verify_package

pytestmark = pytest.mark.django_db

OLD = 4000  # days ago: past the ten-year default (3653 days) of a meeting's record
EXECUTE = ("--execute", "--actor", "operator")

MEETING_ROWS = [
    AgendaItem,
    Document,
    DocumentVersion,
    DocumentRead,
    Notice,
    NoticeMessage,
    IdentityCheck,
    Connection,
    Incident,
    RoomState,
]


def snapshot() -> dict[str, int]:
    """How many rows of the record there are (the audit log aside)."""
    models = [Meeting, *MEETING_ROWS, EvidenceChain, EvidenceEvent, Seal]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["ready packages"] = EvidencePackage.objects.filter(status="ready").count()
    return counts


def transfer_files(settings: Any) -> list[Path]:
    folder = Path(settings.RETENTION_TRANSFER_DIR)
    return sorted(folder.iterdir()) if folder.exists() else []


def transfer_pair(settings: Any) -> tuple[Path, Path]:
    """The one package in the transfer folder and the note beside it."""
    files = transfer_files(settings)
    assert [f.suffix for f in files] == [".json", ".zip"]
    assert files[0].stem == files[1].stem
    return files[1], files[0]


def rows_of(meeting: Meeting) -> dict[str, int]:
    def count(model: Any) -> int:
        field = {
            Document: "meeting",
            DocumentVersion: "document__meeting",
            DocumentRead: "version__document__meeting",
            NoticeMessage: "notice__meeting",
        }.get(model, "meeting")
        return model.objects.filter(**{field: meeting.pk}).count()

    return {model.__name__: count(model) for model in MEETING_ROWS}


# --- dry run and refusals ----------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("--dry-run",)], ids=["default", "dry-run"])
def test_a_dry_run_lists_what_would_go_and_deletes_nothing(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    settings: Any,
    args: tuple[str, ...],
) -> None:
    old = past_meeting(days_ago=OLD)
    traffic = past_meeting(days_ago=120, title="การประชุมเมื่อสี่เดือนก่อน")
    before = snapshot()

    outcome = purge(*args)

    assert outcome.code == 0, outcome.err
    assert f"purge {old.chain_key}" in outcome.out
    assert f"purge {traffic.chain_key}" in outcome.out
    assert "8 connections" in outcome.out
    assert "Dry run: nothing was deleted." in outcome.out
    assert snapshot() == before
    assert not AuditLog.objects.exists()
    assert transfer_files(settings) == []


def test_traffic_data_younger_than_90_days_is_not_purged(
    past_meeting: Callable[..., Meeting], purge: Callable[..., Any], operator: Any
) -> None:
    young = past_meeting(days_ago=89)

    outcome = purge(*EXECUTE, "--class", "traffic_data")

    assert outcome.code == 0, outcome.err
    assert "traffic_data: keep 90 days" in outcome.out
    assert "0 due" in outcome.out
    assert Connection.objects.filter(meeting=young).count() == 8
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("days", ["0", "30", "89"])
def test_an_override_under_the_floor_is_refused_and_nothing_is_deleted(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    settings: Any,
    days: str,
) -> None:
    past_meeting(days_ago=60)
    past_meeting(days_ago=OLD, title="การประชุมเก่า")
    before = snapshot()

    outcome = purge(*EXECUTE, "--class", "traffic_data", "--older-than-days", days)

    assert outcome.code == 2
    assert "RETENTION_BELOW_CCA_FLOOR" in outcome.err
    assert "s.26" in outcome.err
    assert snapshot() == before
    assert transfer_files(settings) == []
    refusal = AuditLog.objects.get()
    assert (refusal.action, refusal.actor) == ("retention.purge_refused", operator)
    assert refusal.payload["code"] == "RETENTION_BELOW_CCA_FLOOR"
    assert refusal.payload["older_than_days"] == int(days)


def test_an_override_shorter_than_a_policy_is_refused(
    past_meeting: Callable[..., Meeting], purge: Callable[..., Any], operator: Any
) -> None:
    past_meeting(days_ago=OLD)
    before = snapshot()

    outcome = purge(*EXECUTE, "--class", "minutes_package", "--older-than-days", "365")

    assert outcome.code == 2
    assert "RETENTION_BEFORE_RETENTION_END" in outcome.err
    assert snapshot() == before


@pytest.mark.parametrize("args", [(), EXECUTE], ids=["dry-run", "execute"])
def test_a_policy_under_the_floor_in_the_database_is_refused(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    args: tuple[str, ...],
) -> None:
    past_meeting(days_ago=120)
    past_meeting(days_ago=OLD, title="การประชุมเก่า")
    # Past the model's validation and the services: a direct database change.
    RetentionPolicy.objects.filter(record_class="traffic_data").update(keep_days=30)
    before = snapshot()

    outcome = purge(*args)

    assert outcome.code == 2
    assert "RETENTION_POLICY_BELOW_FLOOR" in outcome.err
    assert snapshot() == before


def test_without_a_policy_in_force_nothing_is_purged(
    past_meeting: Callable[..., Meeting], purge: Callable[..., Any], operator: Any
) -> None:
    past_meeting(days_ago=OLD)
    RetentionPolicy.objects.filter(record_class="documents").update(
        effective_to=dt.date(2021, 1, 1)
    )
    before = snapshot()

    outcome = purge(*EXECUTE)

    assert outcome.code == 2
    assert "RETENTION_POLICY_MISSING" in outcome.err
    assert snapshot() == before


@pytest.mark.parametrize(
    "args",
    [
        ("--execute",),
        ("--execute", "--actor", "secretary"),
        ("--execute", "--actor", "nobody"),
    ],
    ids=["no-actor", "not-staff", "unknown"],
)
def test_execute_needs_an_operator(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    secretary: Any,
    args: tuple[str, ...],
) -> None:
    past_meeting(days_ago=OLD)
    before = snapshot()

    outcome = purge(*args)

    assert outcome.code == 2
    assert snapshot() == before


# --- legal holds ----------------------------------------------------------------------


def test_a_meeting_under_hold_keeps_its_whole_record(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    settings: Any,
) -> None:
    old = past_meeting(days_ago=OLD)
    hold = holds.place_hold(actor=operator, meeting=old, reason="คดีที่ 1/2569")
    before = snapshot()

    outcome = purge(*EXECUTE)

    assert outcome.code == 0, outcome.err
    assert f"HOLD  {old.chain_key}" in outcome.out
    assert str(hold.pk) in outcome.out
    assert snapshot() == before
    assert rows_of(old)["Connection"] == 8
    assert transfer_files(settings) == []
    assert list(AuditLog.objects.values_list("action", flat=True)) == [
        "retention.hold_placed"
    ]


def test_a_committee_hold_keeps_every_meeting_of_the_committee(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    committee: Any,
    settings: Any,
) -> None:
    old = past_meeting(days_ago=OLD)
    traffic = past_meeting(days_ago=120, title="การประชุมเมื่อสี่เดือนก่อน")
    holds.place_hold(actor=operator, committee=committee, reason="การตรวจสอบ")
    before = snapshot()

    outcome = purge(*EXECUTE)

    assert outcome.code == 0, outcome.err
    assert f"HOLD  {old.chain_key}" in outcome.out
    assert f"HOLD  {traffic.chain_key}" in outcome.out
    assert snapshot() == before
    assert rows_of(traffic)["Connection"] == 8
    assert transfer_files(settings) == []


def test_a_released_hold_lets_the_record_go_and_the_hold_stays(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
) -> None:
    old = past_meeting(days_ago=OLD)
    hold = holds.place_hold(actor=operator, meeting=old, reason="r")
    holds.release_hold(actor=operator, hold=hold, reason="คดีถึงที่สุด")

    outcome = purge(*EXECUTE)

    assert outcome.code == 0, outcome.err
    assert not Meeting.objects.filter(pk=old.pk).exists()
    hold = LegalHold.objects.get(pk=hold.pk)
    assert (hold.meeting, hold.target) == (None, old.chain_key)
    assert hold.released_at is not None


# --- traffic data of a kept meeting ----------------------------------------------------


def test_old_traffic_data_goes_and_the_record_keeps_it_in_chain_and_package(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
) -> None:
    meeting = past_meeting(days_ago=120)
    ids = sorted(str(pk) for pk in rows_of_connections(meeting))
    joins = list_events(chain_key=meeting.chain_key).filter(kind="attendance.joined")

    outcome = purge(*EXECUTE, "--class", "traffic_data")

    assert outcome.code == 0, outcome.err
    assert not Connection.objects.filter(meeting=meeting).exists()
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert rows_of(meeting)["IdentityCheck"] == 8
    # Every connection's traffic data is still in the chain (Decree s.9 last para.).
    assert sorted(e.payload["connection"] for e in joins) == ids
    assert all(e.payload["ip"] == "192.0.2.10" for e in joins)
    last = list_events(chain_key=meeting.chain_key).last()
    assert last.kind == "retention.traffic_data_purged"
    assert (last.payload["connections"], last.payload["count"]) == (ids, 8)
    assert check_chain(chain_key=meeting.chain_key).ok
    # ... and in a package built before the rows went, kept and named.
    package = EvidencePackage.objects.get(pk=last.payload["package"])
    assert package.status == "ready"
    assert sha256_file(Path(package.path)) == last.payload["package_sha256"]
    with zipfile.ZipFile(package.path) as archive:
        traffic = json.loads(archive.read("traffic_data.json"))
    assert sorted(row["connection"] for row in traffic) == ids
    assert verify_package(Path(package.path), key_pem=keys.verify_key_pem()).ok
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target, entry.actor) == (
        "retention.traffic_data_purged",
        meeting.chain_key,
        operator,
    )
    assert entry.payload["connections"] == ids


def rows_of_connections(meeting: Meeting) -> list[Any]:
    return list(Connection.objects.filter(meeting=meeting).values_list("pk", flat=True))


# --- a meeting's whole record ----------------------------------------------------------


def test_an_old_meeting_is_transferred_then_deleted_and_the_audit_log_says_what_went(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = past_meeting(days_ago=OLD)
    recent = past_meeting(days_ago=30, title="การประชุมเดือนที่แล้ว")
    recent_rows = rows_of(recent)
    chain = EvidenceChain.objects.get(key=old.chain_key)
    version = DocumentVersion.objects.get(document__meeting=old)
    paper = Path(version.file.path)
    assert paper.is_file()
    assert rows_of(old) == {
        "AgendaItem": 5,
        "Document": 1,
        "DocumentVersion": 1,
        "DocumentRead": 1,
        "Notice": 1,
        "NoticeMessage": 9,
        "IdentityCheck": 8,
        "Connection": 8,
        "Incident": 2,
        "RoomState": 1,
    }

    with django_capture_on_commit_callbacks(execute=True):
        outcome = purge(*EXECUTE, "--class", "minutes_package")

    assert outcome.code == 0, outcome.err
    assert f"purged {old.chain_key}" in outcome.out
    # The transfer package: a signed zip whose manifest lists every file, and a note.
    zip_path, note_path = transfer_pair(settings)
    with zipfile.ZipFile(zip_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        listed = {f["path"] for f in manifest["files"]}
        events = archive.read("events.jsonl").decode().splitlines()
    assert manifest["meeting"] == str(old.pk)
    assert {
        "events.jsonl",
        "seals.json",
        "meeting.json",
        "identity_checks.json",
        "traffic_data.json",
        "attendance.json",
        "incidents.json",
    } <= listed
    assert any(p.startswith("documents/") for p in listed)
    assert any(p.endswith("letter.pdf") for p in listed)
    assert json.loads(events[-1])["body"]["kind"] == "retention.transfer_requested"
    assert verify_package(zip_path, key_pem=keys.verify_key_pem()).ok
    note = json.loads(note_path.read_text())
    assert note["law"] == "National Archives Act B.E. 2556 s.8"
    assert note["package"]["sha256"] == sha256_file(zip_path)
    # Then everything of the meeting is gone, files too; the other meeting is whole.
    assert not Meeting.objects.filter(pk=old.pk).exists()
    assert set(rows_of(old).values()) == {0}
    assert not EvidenceChain.objects.filter(key=old.chain_key).exists()
    assert not EvidenceEvent.objects.filter(chain_id=chain.pk).exists()
    assert not Seal.objects.filter(chain_id=chain.pk).exists()
    assert not EvidencePackage.objects.filter(subject_id=old.pk).exists()
    assert not paper.exists()
    assert list(Path(settings.EVIDENCE_PACKAGES_DIR).glob(f"{old.pk}-*")) == []
    assert rows_of(recent) == recent_rows
    assert check_chain(chain_key=recent.chain_key).ok
    # The audit log names exactly what went.
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target, entry.actor) == (
        "retention.meeting_record_purged",
        old.chain_key,
        operator,
    )
    assert entry.payload["record_class"] == "minutes_package"
    assert entry.payload["transfer"]["sha256"] == sha256_file(zip_path)
    assert entry.payload["transfer"]["file"] == str(zip_path)
    assert entry.payload["counts"] == {
        "attendance.Connection": 8,
        "attendance.IdentityCheck": 8,
        "attendance.Incident": 2,
        "attendance.RoomState": 1,
        "meetings.AgendaItem": 5,
        "meetings.Document": 1,
        "meetings.DocumentRead": 1,
        "meetings.DocumentVersion": 1,
        "meetings.Meeting": 1,
        "notices.Notice": 1,
        "notices.NoticeMessage": 9,
    }
    assert entry.payload["ids"]["meetings.Meeting"] == [str(old.pk)]
    assert entry.payload["evidence"]["key"] == old.chain_key
    # ... and the package built, sealed (ADR 0021).
    assert entry.payload["evidence"]["events"] == manifest["chain"]["length"] + 2
    assert entry.payload["evidence"]["seals"] == 2  # closed; package built
    assert entry.payload["files"] == [version.file.name]
    assert [p["record_class"] for p in entry.payload["retention"]["policies"]] == [
        "minutes_package",
        "documents",
        "traffic_data",
    ]
    assert selectors.check_audit_log().ok


def test_a_failed_export_deletes_nothing_and_is_audited(
    past_meeting: Callable[..., Meeting],
    purge: Callable[..., Any],
    operator: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = past_meeting(days_ago=OLD)

    def no_space(**kwargs: Any) -> Any:
        raise OSError("No space left on device")

    monkeypatch.setattr(retention_purge, "run_package_build", no_space)

    outcome = purge(*EXECUTE, "--class", "minutes_package")

    assert outcome.code == 1
    assert "No space left on device" in outcome.err
    assert Meeting.objects.filter(pk=old.pk).exists()
    assert rows_of(old)["Connection"] == 8
    assert transfer_files(settings) == []
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target) == ("retention.purge_failed", old.chain_key)
    assert entry.payload["code"] == "OSError"


# --- login audit ------------------------------------------------------------------------


def test_an_old_account_chain_is_transferred_then_deleted(
    purge: Callable[..., Any], operator: Any, member: Any, settings: Any
) -> None:
    old_key, recent_key = f"account:{member.pk}", f"account:{operator.pk}"
    then = timezone.now() - dt.timedelta(days=800)
    with time_machine.travel(then, tick=True), transaction.atomic():
        for kind in ("account.login", "account.logout"):
            append_event(
                chain_key=old_key,
                kind=kind,
                actor=member,
                payload={"ip_address": "192.0.2.30", "user_agent": "test"},
            )
    with transaction.atomic():
        append_event(
            chain_key=recent_key,
            kind="account.login",
            actor=operator,
            payload={"ip_address": "192.0.2.31", "user_agent": "test"},
        )

    outcome = purge(*EXECUTE, "--class", "login_audit")

    assert outcome.code == 0, outcome.err
    assert not EvidenceChain.objects.filter(key=old_key).exists()
    assert EvidenceChain.objects.filter(key=recent_key).exists()
    zip_path, _note = transfer_pair(settings)
    report = verify_package(zip_path, key_pem=keys.verify_key_pem())
    assert report.ok, report.render("en")
    assert "chain of 2 events" in report.render("en")
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target) == ("retention.login_audit_purged", old_key)
    assert entry.payload["transfer"]["sha256"] == sha256_file(zip_path)
    assert entry.payload["evidence"]["events"] == 2
