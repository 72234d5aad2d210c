"""Trusted time-stamps (RFC 3161) of each seal, from a real TSA on loopback (`openssl ts
-reply` behind HTTP): stamped by the worker after commit, kept in the chain and the
package, checked by `prachum verify --tsa-cert`. A TSA that cannot be reached never
costs a seal: the gap is an incident and the worker tries again. An insider who rewrites
the whole chain and re-seals it with the agency key is caught by the earlier token."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from prachum.accounts.models import SecondFactorVerification
from prachum.archive.services import request_package
from prachum.archive.timestamp_tasks import stamp_seal_task
from prachum.attendance.models import Incident, IncidentKind
from prachum.domain.hashchain import event_hash
from prachum.evidence import keys
from prachum.evidence.events import EvidenceChainEvent
from prachum.evidence.models import EvidenceEvent, EvidencePackage, Seal
from prachum.evidence.package import json_bytes
from prachum.meetings import services as meeting_services
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.verify.cli import main as verify_main
from prachum.verify.package import verify_package
from prachum.verify.signing import sign
from prachum.verify.timestamps import seal_digest
from tests.fixtures.tsa import LocalTSA, make_authority

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def local_tsa(settings: Any, tmp_path: Path) -> Iterator[LocalTSA]:
    authority = LocalTSA(make_authority(tmp_path / "tsa"))
    authority.up()
    settings.TSA_URL = authority.url
    settings.TSA_CA_FILE = str(authority.chain)
    settings.TSA_TIMEOUT_SECONDS = 2
    yield authority
    authority.down()


def _join(meeting: Any, user: Any, n: int) -> None:
    SecondFactorVerification.objects.create(user=user, method="totp")
    room_participants.check_identity(
        meeting=meeting,
        user=user,
        location="remote",
        device_ok=True,
        ip_address="192.0.2.10",
        user_agent="test",
    )
    room_connections.open_connection(
        meeting=meeting,
        user=user,
        channel_name=f"tsa.{n}",
        session_key=f"t{n}",
        ip_address="192.0.2.10",
        port=41000 + n,
        user_agent="test",
    )


@pytest.fixture
def close_stamped_meeting(
    meeting: Any,
    chair: Any,
    secretary: Any,
    committee: Any,
    django_capture_on_commit_callbacks: Any,
) -> Callable[[], Any]:
    """Open and close the meeting (its first seal); the worker's tasks run on commit."""

    def run() -> Any:
        meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
        send_notice(actor=secretary, meeting=meeting)
        voters = [
            m.user
            for m in committee.memberships.filter(is_voting=True).select_related("user")
        ]
        for n, user in enumerate(voters):
            _join(meeting, user, n)
        room_lifecycle.open_meeting(actor=chair, meeting=meeting)
        room_incidents.report_incident(
            actor=voters[-1], meeting=meeting, description="ภาพกระตุก"
        )
        with django_capture_on_commit_callbacks(execute=True):
            room_lifecycle.close_meeting(actor=chair, meeting=meeting)
        return meeting

    return run


@pytest.fixture
def build_tsa_package(
    secretary: Any, django_capture_on_commit_callbacks: Any
) -> Callable[[Any], Path]:
    def run(meeting: Any) -> Path:
        with django_capture_on_commit_callbacks(execute=True):
            package = request_package(actor=secretary, meeting=meeting)
        package = EvidencePackage.objects.get(pk=package.pk)
        assert package.status == "ready", package.error
        return Path(package.path)

    return run


def _stamps(meeting: Any) -> list[EvidenceEvent]:
    return list(
        EvidenceEvent.objects.filter(
            chain__key=meeting.chain_key,
            kind=EvidenceChainEvent.EVIDENCE_SEAL_TIMESTAMPED,
        ).order_by("seq")
    )


def _codes(report: Any) -> set[str]:
    return {f.code for f in report.findings if not f.warning}


def test_each_seal_is_stamped_and_the_package_verifies_against_the_tsa(
    local_tsa: LocalTSA,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
    tmp_path: Path,
) -> None:
    meeting = close_stamped_meeting()
    seal = Seal.objects.get(chain__key=meeting.chain_key)
    (stamp,) = _stamps(meeting)
    assert stamp.payload["seal_length"] == seal.length
    assert stamp.payload["imprint"] == seal_digest(seal.statement).hex()
    assert local_tsa.requests >= 1  # the seal (and the signed letters: ADR 0022)

    path = build_tsa_package(meeting)
    # The package-built seal is stamped too (after the zip: it is in the next one).
    assert Seal.objects.filter(chain__key=meeting.chain_key).count() == 2
    assert len(_stamps(meeting)) == 2

    report = verify_package(
        path, key_pem=keys.verify_key_pem(), tsa_pem=local_tsa.root.read_bytes()
    )
    assert report.ok, report.render("en")
    assert any(
        f"seal of events 1-{seal.length}: TSA time" in line for line in report.checked
    )
    # The token is an ordinary RFC 3161 response: openssl checks it on its own.
    token = tmp_path / "seal.tsr"
    with zipfile.ZipFile(path) as archive:
        token.write_bytes(archive.read(f"timestamps/seal-{seal.length}.tsr"))
        assert b"BEGIN CERTIFICATE" in archive.read("timestamps/tsa-chain.pem")
    checked = subprocess.run(
        [
            "openssl", "ts", "-verify", "-in", str(token),
            "-digest", seal_digest(seal.statement).hex(),
            "-CAfile", str(local_tsa.root),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr + checked.stdout

    key_file = tmp_path / "agency.pub.pem"
    key_file.write_bytes(keys.verify_key_pem())
    argv = [str(path), "--key", str(key_file), "--lang", "en"]
    assert verify_main([*argv, "--tsa-cert", str(local_tsa.root)]) == 0


def test_another_tsa_certificate_fails(
    local_tsa: LocalTSA,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
    tmp_path: Path,
) -> None:
    path = build_tsa_package(close_stamped_meeting())
    other = make_authority(tmp_path / "other", "Other TSA")
    report = verify_package(
        path,
        key_pem=keys.verify_key_pem(),
        tsa_pem=(other / "ca.pem").read_bytes(),
    )
    assert not report.ok
    assert _codes(report) == {"TIMESTAMP_UNTRUSTED"}
    key_file = tmp_path / "agency.pub.pem"
    key_file.write_bytes(keys.verify_key_pem())
    argv = [str(path), "--key", str(key_file), "--tsa-cert", str(other / "ca.pem")]
    assert verify_main(argv) == 1


def test_tsa_down_the_seal_is_made_the_gap_is_an_incident_and_a_retry_stamps(
    local_tsa: LocalTSA,
    settings: Any,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
) -> None:
    local_tsa.down()
    meeting = close_stamped_meeting()
    seal = Seal.objects.get(chain__key=meeting.chain_key)
    assert _stamps(meeting) == []
    (incident,) = Incident.objects.filter(
        meeting=meeting, kind=IncidentKind.TSA_UNREACHABLE
    )
    assert f"1-{seal.length} {seal.head_hash[:16]}" in incident.description

    # The worker queues the next attempt, later (a backend that can defer).
    settings.TASKS = DUMMY_TASKS
    backend = stamp_seal_task.get_backend()
    backend.clear()
    assert stamp_seal_task.call(seal.pk, 2) == "failed"
    (queued,) = backend.results
    assert queued.args == [seal.pk, 3]
    assert queued.task.run_after is not None
    # Still one incident for the one gap.
    assert Incident.objects.filter(kind=IncidentKind.TSA_UNREACHABLE).count() == 1

    local_tsa.up()
    assert stamp_seal_task.call(*queued.args) == "stamped"
    (stamp,) = _stamps(meeting)
    assert stamp.payload["attempts"] == 3
    assert stamp_seal_task.call(seal.pk, 4) == "already stamped"

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    path = build_tsa_package(meeting)
    report = verify_package(
        path, key_pem=keys.verify_key_pem(), tsa_pem=local_tsa.root.read_bytes()
    )
    assert report.ok, report.render("en")


def test_a_seal_without_its_token_fails_when_the_tsa_is_checked(
    local_tsa: LocalTSA,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
) -> None:
    local_tsa.down()
    meeting = close_stamped_meeting()
    path = build_tsa_package(meeting)
    root = local_tsa.root.read_bytes()
    report = verify_package(path, key_pem=keys.verify_key_pem(), tsa_pem=root)
    assert _codes(report) == {"TIMESTAMP_MISSING"}
    assert verify_package(path, key_pem=keys.verify_key_pem()).ok


def _rewrite_and_reseal(
    source: Path, target: Path, old: str, new: str, *, drop_stamps: bool = False
) -> None:
    """The insider with the agency key: edit the record's meaning, recompute every hash
    of the chain, re-sign every seal and the manifest. The TSA tokens cannot be
    re-made for the old time: they are kept as they were (or dropped)."""
    key = keys.signing_key()
    with zipfile.ZipFile(source) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    for name in list(files):
        if name.endswith((".json", ".jsonl")) and name != "manifest.json":
            files[name] = files[name].replace(old.encode(), new.encode())
    lines = [json.loads(x) for x in files["events.jsonl"].decode().splitlines() if x]
    rebuilt: list[dict[str, Any]] = []
    renumbered: dict[int, int] = {}  # old seq -> new length at that event
    prev = "0" * 64
    for line in lines:
        body = line["body"]
        old_seq = body["seq"]
        renumbered[old_seq] = len(rebuilt)
        if drop_stamps and body["kind"] == "evidence.seal_timestamped":
            continue
        body["seq"] = renumbered[old_seq] = len(rebuilt) + 1
        if body["kind"] == "evidence.sealed":
            statement = body["payload"]["statement"]
            statement["head"] = rebuilt[statement["length"] - 1]["hash"]
            body["payload"]["signature"] = sign(key, statement)
        digest = event_hash(prev, body)
        rebuilt.append({"body": body, "prev_hash": prev, "hash": digest})
        prev = digest
    files["events.jsonl"] = (
        "\n".join(
            json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            for r in rebuilt
        )
        + "\n"
    ).encode()
    # A thorough insider also rewrites what other files say about the chain: the
    # seals and the checklist's chain head (prachum verify matches both to the chain).
    files["seals.json"] = json_bytes(
        [
            {k: r["body"]["payload"][k] for k in ("statement", "signature")}
            for r in rebuilt
            if r["body"]["kind"] == "evidence.sealed"
        ]
    )
    checklist = json.loads(files["compliance.json"])
    for check in checklist["checks"]:
        found = re.fullmatch(r"(\d+) events, head [0-9a-f]+", check["detail"])
        if check["code"] == "CHAIN" and found:
            length = renumbered[int(found[1])]
            head = rebuilt[length - 1]["hash"][:16]
            check["detail"] = f"{length} events, head {head}"
    files["compliance.json"] = json_bytes(checklist)
    if drop_stamps:
        files = {n: d for n, d in files.items() if not n.startswith("timestamps/")}
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("signature")
    manifest["chain"] = {"key": manifest["chain"]["key"], "length": len(rebuilt)}
    manifest["chain"]["head"] = prev
    manifest["files"] = [
        {"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
        for n, d in files.items()
        if n != "public_key.pem"
    ]
    manifest["signature"] = sign(key, manifest)
    with zipfile.ZipFile(target, "w") as out:
        out.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, data in files.items():
            out.writestr(name, data)


def test_a_chain_rewritten_and_resealed_with_the_agency_key_fails_against_its_token(
    local_tsa: LocalTSA,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
    tmp_path: Path,
) -> None:
    meeting = close_stamped_meeting()
    seal = Seal.objects.get(chain__key=meeting.chain_key)
    path = build_tsa_package(meeting)
    root = local_tsa.root.read_bytes()
    agency = keys.verify_key_pem()
    assert verify_package(path, key_pem=agency, tsa_pem=root).ok

    # Re-sealed without the tokens' help: the agency's key alone says all is well ...
    rewritten = tmp_path / "rewritten.zip"
    _rewrite_and_reseal(path, rewritten, "ภาพกระตุก", "ไม่มีปัญหาใด")
    report = verify_package(rewritten, key_pem=agency, tsa_pem=root)
    # ... but the token of the first seal covers the head as it was.
    assert not report.ok
    mismatched = [f for f in report.findings if f.code == "TIMESTAMP_MISMATCH"]
    assert [f.file for f in mismatched] == [f"timestamps/seal-{seal.length}.tsr"]
    assert not {"SEAL_INVALID", "SIGNATURE_INVALID"} & _codes(report)

    # Dropping the tokens does not help: each seal must have one.
    dropped = tmp_path / "dropped.zip"
    _rewrite_and_reseal(path, dropped, "ภาพกระตุก", "ไม่มีปัญหาใด", drop_stamps=True)
    report = verify_package(dropped, key_pem=agency, tsa_pem=root)
    assert _codes(report) == {"TIMESTAMP_MISSING"}
    assert verify_package(dropped, key_pem=agency).ok  # only the TSA catches it


def test_a_stamp_event_carries_the_token_the_package_holds(
    local_tsa: LocalTSA,
    close_stamped_meeting: Callable[[], Any],
    build_tsa_package: Callable[[Any], Path],
) -> None:
    meeting = close_stamped_meeting()
    (stamp,) = _stamps(meeting)
    path = build_tsa_package(meeting)
    with zipfile.ZipFile(path) as archive:
        token = archive.read(f"timestamps/seal-{stamp.payload['seal_length']}.tsr")
    assert token == base64.b64decode(stamp.payload["response"])


def test_stamp_seals_command_stamps_what_the_tsa_missed(
    local_tsa: LocalTSA, close_stamped_meeting: Callable[[], Any]
) -> None:
    local_tsa.down()
    meeting = close_stamped_meeting()
    with pytest.raises(CommandError, match="1 seal"):
        call_command("stamp_seals", stdout=io.StringIO())
    assert _stamps(meeting) == []
    local_tsa.up()
    out = io.StringIO()
    call_command("stamp_seals", stdout=out)
    assert "stamped: 1" in out.getvalue()
    assert len(_stamps(meeting)) == 1
    # One gap, one incident, however many attempts.
    assert Incident.objects.filter(kind=IncidentKind.TSA_UNREACHABLE).count() == 1
