"""Issue 16 points 1-2: an insider with the agency's key edits a fact of meaning in one
file, recomputes every hash and re-signs the manifest; `prachum verify` still fails,
naming the file. The untouched package passes, and every file in it has a status."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from prachum.allowances import services as allowance_services
from prachum.archive.services import request_package
from prachum.committees.models import AllowanceRate
from prachum.evidence import keys
from prachum.evidence.models import EvidencePackage
from prachum.evidence.package import json_bytes
from prachum.meetings import services as meeting_services
from prachum.minutes import services as minutes_services
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.verify import allowances as verify_allowances
from prachum.verify.package import verify_package
from prachum.verify.report import Report
from prachum.verify.signing import sign
from prachum.voting import ballots, polls
from tests.archive.test_package_verify import _identify_and_connect
from tests.built_once import Built, Cast, build_once, on_commit_run, use_secrets

pytestmark = pytest.mark.django_db

Change = Callable[[Any], Any]


def _build_insider_package(cast: Cast) -> Path:
    meeting, chair, secretary = cast.meeting, cast.chair, cast.secretary
    committee = cast.committee
    meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="โครงการจัดซื้อรถพยาบาล"
    )
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    send_notice(actor=secretary, meeting=meeting)
    voters = [
        m.user
        for m in committee.memberships.filter(is_voting=True).select_related("user")
    ]
    connections = [
        _identify_and_connect(meeting, user, n) for n, user in enumerate(voters)
    ]
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    polls.open_poll(actor=chair, poll=poll)
    for n, voter in enumerate(voters):
        ballots.cast_ballot(
            voter=voter, poll=poll, choice=["yes", "yes", "no", "abstain"][n % 4]
        )
    polls.close_poll(actor=chair, poll=poll)
    incident = room_incidents.report_incident(
        actor=voters[-1], meeting=meeting, description="ภาพกระตุก"
    )
    room_incidents.handle_incident(
        actor=chair, incident=incident, handling="เชื่อมต่อใหม่แล้ว"
    )
    room_connections.close_connection(connection_id=connections[-1].id, reason="left")
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("1000.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=365),
        source="กค 0406.4/ว 100",
    )
    run = allowance_services.compute_allowance_run(actor=secretary, meeting=meeting)
    allowance_services.confirm_allowance_run(actor=secretary, run=run)
    version = minutes_services.draft_minutes(actor=secretary, meeting=meeting)
    minutes_services.approve_minutes(actor=chair, version=version, method="circulation")
    with on_commit_run():
        package = request_package(actor=secretary, meeting=meeting)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    return Path(package.path)


@pytest.fixture(scope="module")
def insider_package_built(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Built[Path]:
    """One package for the module: each test reads it and tampers with copies."""
    return build_once(
        django_db_blocker, tmp_path_factory, "insider", _build_insider_package
    )


@pytest.fixture
def insider_package_path(insider_package_built: Built[Path]) -> Path:
    return use_secrets(insider_package_built)


def _insider(source: Path, target: Path, edits: dict[str, Change]) -> Path:
    """Copy the package with ``edits`` (path -> change of its parsed JSON, or of its
    bytes for other files), every hash recomputed, the manifest re-signed with the
    agency's own key; an edit of a path not in the package adds that file."""
    with zipfile.ZipFile(source) as old:
        contents = {n: old.read(n) for n in old.namelist()}
    manifest = json.loads(contents["manifest.json"])
    listed = {f["path"] for f in manifest["files"]}
    for name, change in edits.items():
        if name.endswith(".json") and name in contents:
            contents[name] = json_bytes(change(json.loads(contents[name])))
        else:
            contents[name] = change(contents.get(name, b""))
        if name not in listed:
            manifest["files"].append({"path": name, "sha256": "", "size": 0})
    for entry in manifest["files"]:
        data = contents[entry["path"]]
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["size"] = len(data)
    manifest.pop("signature")
    manifest["signature"] = sign(keys.signing_key(), manifest)
    contents["manifest.json"] = json_bytes(manifest)
    with zipfile.ZipFile(target, "w") as new:
        for name, data in contents.items():
            new.writestr(name, data)
    return target


def _verify(path: Path) -> Report:
    return verify_package(path, key_pem=keys.verify_key_pem())


def _failures(report: Report) -> list[tuple[str, str]]:
    return [(f.code, f.file) for f in report.findings if not f.warning]


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_the_untouched_package_passes_and_lists_every_file_with_a_status(
    insider_package_path: Path,
) -> None:
    report = _verify(insider_package_path)
    assert report.ok, report.render("en")
    files = set(_names(insider_package_path)) - {"manifest.json", "public_key.pem"}
    assert set(report.files) == files
    statuses = {name: status.split(" (")[0] for name, status in report.files.items()}
    assert statuses["compliance.json"] == "matches the chain"
    assert statuses["traffic_data.json"] == "recomputed"
    assert statuses["incidents.json"] == "recomputed"
    assert statuses["meeting.json"] == "matches the chain"
    assert statuses["minutes.json"] == "matches the chain"
    assert {s for n, s in statuses.items() if n.startswith("notices/")} == {
        "matches the chain"
    }
    assert statuses["allowances/payment_list.csv"] == "recomputed"
    assert statuses["allowances/inputs.json"] == "recomputed"
    # The approved minutes and the confirmed list are signed PDFs whose hashes their
    # events hold (ADR 0022): nothing in this package is left unverifiable.
    assert statuses["minutes.pdf"] == "matches the chain"
    assert statuses["allowances/payment_list.pdf"] == "matches the chain"
    assert [n for n, s in statuses.items() if s == "not verifiable"] == []
    assert "traffic_data.json: คำนวณใหม่จากเหตุการณ์แล้ว" in report.render("th")


def test_a_file_the_verifier_does_not_know_fails(
    insider_package_path: Path, tmp_path: Path
) -> None:
    target = _insider(
        insider_package_path,
        tmp_path / "extra.zip",
        {"notes/extra.json": lambda _: b'{"quorum": "met"}'},
    )
    assert _failures(_verify(target)) == [("FILE_UNKNOWN", "notes/extra.json")]


def _first(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(r for r in rows if all(r.get(k) == v for k, v in match.items()))


def _set_ip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows[0]["ip"] = "203.0.113.99"
    return rows


def _check_place(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows[0]["location"] = "in_room"
    return rows


def _poll_question(poll: dict[str, Any]) -> dict[str, Any]:
    poll["question"] = "ไม่อนุมัติโครงการ"
    return poll


def _drop_row(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows[1:]


def _handled_not(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    row = _first(rows, kind="reported")
    row["handling"] = "ไม่มีปัญหา"
    return rows


def _agenda_title(meeting: dict[str, Any]) -> dict[str, Any]:
    meeting["agenda"][3]["title"] = "เรื่องเพื่อทราบ"
    return meeting


def _added_item_title(meeting: dict[str, Any]) -> dict[str, Any]:
    meeting["agenda"][-1]["title"] = "โครงการจัดซื้อรถยนต์ประจำตำแหน่ง"
    return meeting


def _meeting_venue(meeting: dict[str, Any]) -> dict[str, Any]:
    meeting["starts_at"] = "2026-12-18 03:00:00+00:00"
    return meeting


def _resolution_text(minutes: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(minutes["content"], ensure_ascii=False)
    changed = text.replace("อนุมัติ", "ไม่อนุมัติ", 1) if "อนุมัติ" in text else None
    if changed is None:  # no resolution text: change the first string of the content
        minutes["content"]["title"] = str(minutes["content"].get("title")) + " (แก้)"
    else:
        minutes["content"] = json.loads(changed)
    return minutes


def _minutes_approver(minutes: dict[str, Any]) -> dict[str, Any]:
    minutes["approval_method"] = "same_meeting"
    return minutes


def _notice_message_hash(notice: dict[str, Any]) -> dict[str, Any]:
    notice["messages"][0]["sha256"] = "0" * 64
    return notice


def _notice_delivered(notice: dict[str, Any]) -> dict[str, Any]:
    notice["messages"][0]["status"] = "sent"
    notice["messages"][0]["delivered_at"] = "2026-12-07 01:00:00+00:00"
    return notice


def _notice_number(notice: dict[str, Any]) -> dict[str, Any]:
    notice["letter_number"] = "มท 0210.5/99"
    return notice


def _compliance_check(code: str, change: Callable[[dict[str, Any]], None]) -> Change:
    def edit(checklist: dict[str, Any]) -> dict[str, Any]:
        change(_first(checklist["checks"], code=code))
        return checklist

    return edit


def _fewer_incidents(check: dict[str, Any]) -> None:
    count, rest = check["detail"].split(" ", 1)
    check["detail"] = f"{int(count) - 1} {rest}"


def _notice_late(check: dict[str, Any]) -> None:
    check["passed"] = not check["passed"]


def _one_byte(data: bytes) -> bytes:
    return data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]


EDITS: dict[str, tuple[str, Change]] = {
    "identity: a check's place changed": ("identity_checks.json", _check_place),
    "votes: a poll's question changed": ("poll.json", _poll_question),
    "traffic: an IP address changed": ("traffic_data.json", _set_ip),
    "traffic: a connection row removed": ("traffic_data.json", _drop_row),
    "incidents: an incident removed": ("incidents.json", _drop_row),
    "incidents: its handling changed": ("incidents.json", _handled_not),
    "meeting: an agenda title changed": ("meeting.json", _agenda_title),
    "meeting: an added item's title changed": ("meeting.json", _added_item_title),
    "meeting: the start moved a day": ("meeting.json", _meeting_venue),
    "minutes: a resolution's text changed": ("minutes.json", _resolution_text),
    "minutes: the approval method changed": ("minutes.json", _minutes_approver),
    "notice: a stored message hash changed": ("notice.json", _notice_message_hash),
    "notice: a message said delivered": ("notice.json", _notice_delivered),
    "notice: the letter number changed": ("notice.json", _notice_number),
    "compliance: an incident left out": (
        "compliance.json",
        _compliance_check("INCIDENTS", _fewer_incidents),
    ),
    "compliance: a verdict flipped": (
        "compliance.json",
        _compliance_check("NOTICE_ON_TIME", _notice_late),
    ),
    "notice: the letter's bytes changed": ("letter.pdf", _one_byte),
    "notice: an e-mail's bytes changed": (".eml", _one_byte),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_insider_edit_of_meaning_fails_naming_the_file(
    insider_package_path: Path, tmp_path: Path, edit: str
) -> None:
    suffix, change = EDITS[edit]
    (name,) = [n for n in _names(insider_package_path) if n.endswith(suffix)][:1]
    target = _insider(insider_package_path, tmp_path / "insider.zip", {name: change})
    report = _verify(target)
    assert not report.ok
    # A signed PDF fails first on its signature (pdf_signatures), the rest on the chain.
    code = "PDF_SIGNATURE_INVALID" if name.endswith(".pdf") else "RECOMPUTED_MISMATCH"
    assert (code, name) in _failures(report), report.render("en")
    assert {file for _code, file in _failures(report)} == {name}


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _csv_edit(change: Callable[[list[list[str]]], None]) -> Change:
    def edit(data: bytes) -> bytes:
        rows = _csv_rows(data)
        change(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        return ("\ufeff" + out.getvalue()).encode()

    return edit


def _line_amount(rows: list[list[str]]) -> None:
    rows[1][4] = "1500.00"


def _line_reason(rows: list[list[str]]) -> None:
    rows[2][6] = "ALLOWANCE_CHAIR"


def _line_added(rows: list[list[str]]) -> None:
    rows.insert(-1, [str(len(rows) - 1), "นายผู้ไม่ได้มา", "", "", "1000.00"] + [""] * 4)


def _unpaid_made_paid(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["policy"]["pay_invitees"] = True
    return inputs


def _rate_raised(inputs: dict[str, Any]) -> dict[str, Any]:
    inputs["rates"][0]["member_amount"] = "1500.00"
    return inputs


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("allowances/payment_list.csv", _csv_edit(_line_amount)),
        ("allowances/payment_list.csv", _csv_edit(_line_reason)),
        ("allowances/payment_list.csv", _csv_edit(_line_added)),
        ("allowances/inputs.json", _unpaid_made_paid),
        ("allowances/inputs.json", _rate_raised),
    ],
    ids=["amount", "reason", "line added", "switch", "rate"],
)
def test_an_insider_edit_of_the_payment_list_fails_naming_the_line(
    insider_package_path: Path, tmp_path: Path, name: str, change: Change
) -> None:
    target = _insider(insider_package_path, tmp_path / "insider.zip", {name: change})
    report = _verify(target)
    assert ("RECOMPUTED_MISMATCH", name) in _failures(report), report.render("en")
    assert {file for _code, file in _failures(report)} == {name}


def test_the_payment_list_lines_are_recomputed_from_the_attendance_in_the_chain(
    insider_package_path: Path,
) -> None:
    """The member whose only connection ended before the close is still paid (present
    while open); everyone who never connected while open is listed unpaid."""
    with zipfile.ZipFile(insider_package_path) as archive:
        rows = _csv_rows(archive.read("allowances/payment_list.csv"))
        inputs = json.loads(archive.read("allowances/inputs.json"))
    paid = [r for r in rows[1:-1] if r[4] != "0.00"]
    assert len(paid) == sum(1 for p in inputs["attendees"] if p["attended"])
    assert len(paid) >= 7


@pytest.fixture
def hybrid_package_path(
    make_meeting: Callable[..., Any],
    chair: Any,
    secretary: Any,
    committee: Any,
    django_capture_on_commit_callbacks: Any,
) -> Path:
    """A hybrid meeting: two at the table signed in by the secretary (one signed out
    before the close), the rest remote, one of them removed by the chair."""
    hybrid = make_meeting(mode="hybrid", venue="ห้องประชุม 301")
    meeting_services.record_electronic_decision(actor=chair, meeting=hybrid)
    send_notice(actor=secretary, meeting=hybrid)
    voters = [
        m.user
        for m in committee.memberships.filter(is_voting=True).select_related("user")
    ]
    at_table, remote = voters[-2:], voters[:-2]
    for user in at_table:
        room_participants.sign_in_at_room(actor=secretary, meeting=hybrid, user=user)
    for n, user in enumerate(remote):
        _identify_and_connect(hybrid, user, n)
    room_lifecycle.open_meeting(actor=chair, meeting=hybrid)
    room_participants.sign_out_of_room(
        actor=secretary, meeting=hybrid, user=at_table[0]
    )
    room_participants.remove_participant(
        actor=chair, meeting=hybrid, user=remote[-1], reason="ส่งเสียงรบกวน"
    )
    room_lifecycle.close_meeting(actor=chair, meeting=hybrid)
    AllowanceRate.objects.create(
        committee=committee,
        kind="per_meeting",
        member_amount=Decimal("1000.00"),
        valid_from=timezone.localdate() - dt.timedelta(days=365),
        source="กค 0406.4/ว 100",
    )
    run = allowance_services.compute_allowance_run(actor=secretary, meeting=hybrid)
    allowance_services.confirm_allowance_run(actor=secretary, run=run)
    with django_capture_on_commit_callbacks(execute=True):
        package = request_package(actor=secretary, meeting=hybrid)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    return Path(package.path)


def test_room_sign_ins_sign_outs_and_removals_recompute(
    hybrid_package_path: Path, tmp_path: Path
) -> None:
    report = _verify(hybrid_package_path)
    assert report.ok, report.render("en")
    with zipfile.ZipFile(hybrid_package_path) as archive:
        rows = json.loads(archive.read("traffic_data.json"))
        inputs = json.loads(archive.read("allowances/inputs.json"))
    assert {r["reason"] for r in rows} == {"signed_out", "removed", "closed"}
    assert {p["mode"] for p in inputs["attendees"] if p["attended"]} == {
        "in_room",
        "remote",
    }

    def reason_changed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _first(rows, reason="removed")["reason"] = "left"
        return rows

    target = _insider(
        hybrid_package_path, tmp_path / "i.zip", {"traffic_data.json": reason_changed}
    )
    assert _failures(_verify(target)) == [("RECOMPUTED_MISMATCH", "traffic_data.json")]


def test_a_run_confirmed_before_its_inputs_were_recorded_is_matched_line_by_line(
    insider_package_path: Path,
) -> None:
    """Chains from before issue 16: allowances.computed has the lines, not the engine's
    inputs; each CSV line is compared with the recorded one (and says so)."""
    with zipfile.ZipFile(insider_package_path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    events = [json.loads(line) for line in files["events.jsonl"].splitlines()]
    for event in events:
        event["body"]["payload"].pop("inputs", None)
    inputs = json.loads(files["allowances/inputs.json"])
    legacy = {k: inputs[k] for k in ("run", "quorate", "presiding", "rate", "lines")}
    files["allowances/inputs.json"] = json_bytes(legacy)
    report = Report()
    verify_allowances.allowances(events, files, report)
    assert report.ok, report.render("en")
    assert report.files["allowances/payment_list.csv"].startswith("matches the chain")

    files["allowances/payment_list.csv"] = _csv_edit(_line_amount)(
        files["allowances/payment_list.csv"]
    )
    report = Report()
    verify_allowances.allowances(events, files, report)
    assert _failures(report) == [("RECOMPUTED_MISMATCH", "allowances/payment_list.csv")]
