"""A whole meeting through the services, sealed and packaged; `prachum verify` passes on
the package and fails, naming the file or the event, on every kind of tampering."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from prachum.accounts.models import SecondFactorVerification
from prachum.archive.services import request_package
from prachum.evidence import keys, pdf_signing
from prachum.evidence.models import EvidencePackage
from prachum.meetings import services as meeting_services
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.verify.package import verify_package
from prachum.voting import ballots, polls
from tests.built_once import Built, Cast, build_once, on_commit_run, use_secrets

pytestmark = pytest.mark.django_db


def _identify_and_connect(meeting: Any, user: Any, n: int) -> Any:
    SecondFactorVerification.objects.create(user=user, method="totp")
    room_participants.check_identity(
        meeting=meeting,
        user=user,
        location="remote",
        device_ok=True,
        ip_address="192.0.2.10",
        user_agent="test",
    )
    return room_connections.open_connection(
        meeting=meeting,
        user=user,
        channel_name=f"test.{n}",
        session_key=f"s{n}",
        ip_address="192.0.2.10",
        port=40000 + n,
        user_agent="test",
    )


def _build_package(cast: Cast) -> Path:
    meeting, chair, secretary = cast.meeting, cast.chair, cast.secretary
    committee = cast.committee
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
    open_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    polls.open_poll(actor=chair, poll=open_poll)
    for n, voter in enumerate(voters):
        ballots.cast_ballot(
            voter=voter, poll=open_poll, choice=["yes", "yes", "no", "abstain"][n % 4]
        )
    polls.close_poll(actor=chair, poll=open_poll)
    secret_poll = polls.create_poll(
        actor=chair,
        item=item,
        kind="one_of_n",
        question="เลือกประธานอนุกรรมการ",
        options=["ก", "ข", "ค"],
        secret=True,
    )
    polls.open_poll(actor=chair, poll=secret_poll)
    for n, voter in enumerate(voters):
        options = [str(o.pk) for o in secret_poll.options.order_by("position")]
        ballots.cast_ballot(
            voter=voter, poll=secret_poll, choice=[options[0 if n < 5 else n % 3]]
        )
    polls.close_poll(actor=chair, poll=secret_poll)
    room_incidents.report_incident(
        actor=voters[-1], meeting=meeting, description="ภาพกระตุก"
    )
    room_connections.close_connection(connection_id=connections[-1].id, reason="lost")
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)  # signs the chain's head
    with on_commit_run():
        package = request_package(actor=secretary, meeting=meeting)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    assert package.progress == 100
    return Path(package.path)


@pytest.fixture(scope="module")
def package_built(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Built[Path]:
    """One package for the module, built under the usual umask 022 (``loose_umask``);
    the tests read it and tamper with copies."""
    return build_once(django_db_blocker, tmp_path_factory, "package", _build_package)


@pytest.fixture
def package_path(package_built: Built[Path]) -> Path:
    return use_secrets(package_built)


def _public_key(tmp_path: Path) -> Path:
    path = tmp_path / "agency.pub.pem"
    path.write_bytes(keys.verify_key_pem())
    return path


def _rewrite(source: Path, target: Path, change: Any) -> Path:
    """Copy the zip, passing every member's bytes through ``change(name, data)``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = change(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)
    return target


def test_f4_the_package_is_private_to_prachum(package_path: Path) -> None:
    """Built under the usual umask 022 (build_once), the modes are still private."""
    assert stat.S_IMODE(package_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(package_path.parent.stat().st_mode) == 0o700


def test_an_untouched_package_verifies(package_path: Path, tmp_path: Path) -> None:
    report = verify_package(package_path, key_pem=_public_key(tmp_path).read_bytes())
    assert report.ok, report.render("en")
    text = report.render("en")
    assert "seal of events" in text
    assert "attendance recomputed" in text


def test_the_console_command_passes_and_prints_thai(
    package_path: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prachum.cli",
            "verify",
            str(package_path),
            "--key",
            str(_public_key(tmp_path)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ผ่าน" in done.stdout


def _one_byte_changed(target: str) -> Any:
    def change(name: str, data: bytes) -> bytes:
        if name != target:
            return data
        index = len(data) // 2
        return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]

    return change


def test_one_changed_byte_in_any_file_is_caught_with_the_file_named(
    package_path: Path, tmp_path: Path
) -> None:
    key = _public_key(tmp_path).read_bytes()
    with zipfile.ZipFile(package_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    kinds: dict[str, str] = {}
    for entry in manifest["files"]:
        kind = entry["path"].split("/")[0] if "/" in entry["path"] else entry["path"]
        kinds.setdefault(kind + entry["path"].rsplit(".", 1)[-1], entry["path"])
    assert (
        len(kinds) >= 8
    )  # events, seals, meeting, documents, notices (pdf, ics, eml), room files
    for target in kinds.values():
        tampered = _rewrite(
            package_path, tmp_path / "tampered.zip", _one_byte_changed(target)
        )
        report = verify_package(tampered, key_pem=key)
        assert not report.ok, target
        assert any(
            f.code == "FILE_HASH_MISMATCH" and f.file == target for f in report.findings
        ), target


def test_a_forged_manifest_fails_the_signature(
    package_path: Path, tmp_path: Path
) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["generated_at"] = "2000-01-01T00:00:00+00:00"
        return json.dumps(manifest).encode()

    report = verify_package(
        _rewrite(package_path, tmp_path / "t.zip", change),
        key_pem=_public_key(tmp_path).read_bytes(),
    )
    assert [f.code for f in report.findings if not f.warning] == ["SIGNATURE_INVALID"]


def test_an_event_removed_and_rehashed_files_still_fail_on_the_chain(
    package_path: Path, tmp_path: Path
) -> None:
    """Even with the manifest re-hashed and signed by another key, a removed event shows."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from prachum.verify.signing import fingerprint, public_key_pem, sign

    forger = Ed25519PrivateKey.generate()
    with zipfile.ZipFile(package_path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    lines = members["events.jsonl"].decode().splitlines()
    removed_seq = json.loads(lines[3])["body"]["seq"]
    members["events.jsonl"] = ("\n".join(lines[:3] + lines[4:]) + "\n").encode()
    manifest = json.loads(members["manifest.json"])
    import hashlib

    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["path"]]).hexdigest()
    manifest.pop("signature")
    manifest["key_fingerprint"] = fingerprint(forger.public_key())
    manifest["signature"] = sign(forger, manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    members["public_key.pem"] = public_key_pem(forger.public_key())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    forged = tmp_path / "forged.zip"
    forged.write_bytes(buffer.getvalue())

    with_agency_key = verify_package(forged, key_pem=_public_key(tmp_path).read_bytes())
    assert not with_agency_key.ok
    codes = {f.code for f in with_agency_key.findings}
    assert {"KEY_MISMATCH", "SIGNATURE_INVALID"} <= codes
    chain = [f for f in with_agency_key.findings if f.code.startswith("CHAIN_")]
    assert chain
    assert chain[0].event == removed_seq + 1


def test_an_attendance_row_edited_consistently_is_caught_by_recomputation(
    package_path: Path, tmp_path: Path
) -> None:
    """Edit attendance.json and re-hash the manifest (signed by the agency key, as an
    insider could): the row no longer matches the events."""
    import hashlib

    from prachum.verify.signing import sign

    with zipfile.ZipFile(package_path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    rows = json.loads(members["attendance.json"])
    rows[0]["joined_at"] = "2020-01-01T00:00:00+00:00"
    members["attendance.json"] = json.dumps(rows).encode()
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["path"]]).hexdigest()
    manifest.pop("signature")
    manifest["signature"] = sign(keys.signing_key(), manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    target = tmp_path / "insider.zip"
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)

    report = verify_package(target, key_pem=_public_key(tmp_path).read_bytes())
    assert [f.code for f in report.findings if not f.warning] == ["RECOMPUTED_MISMATCH"]
    assert report.findings[-1].file == "attendance.json"
    assert report.findings[-1].event is not None


def test_a_vote_result_edited_in_the_stored_results_is_caught_by_the_recount(
    package_path: Path, tmp_path: Path
) -> None:
    """An insider edits a poll's stored result (not the events) and re-signs the
    manifest with the agency key: recounting the ballots with the law engine shows it."""
    import hashlib

    from prachum.verify.signing import sign

    with zipfile.ZipFile(package_path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    name = next(
        n
        for n in members
        if n.startswith("votes/")
        and n.endswith("/poll.json")
        and json.loads(members[n])["is_secret"]
    )
    poll = json.loads(members[name])
    counts = poll["result"]["tally"]["counts"]
    # Swap the winner's count with a loser's (two different counts, so the file changes).
    first = max(counts, key=counts.get)
    second = next(k for k in counts if counts[k] != counts[first])
    counts[first], counts[second] = counts[second], counts[first]
    members[name] = json.dumps(poll).encode()
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["path"]]).hexdigest()
    manifest.pop("signature")
    manifest["signature"] = sign(keys.signing_key(), manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    target = tmp_path / "recount.zip"
    with zipfile.ZipFile(target, "w") as out:
        for member, data in members.items():
            out.writestr(member, data)

    report = verify_package(target, key_pem=_public_key(tmp_path).read_bytes())
    problems = [f for f in report.findings if not f.warning]
    assert [f.code for f in problems] == ["RECOMPUTED_MISMATCH"]
    assert problems[0].file == name
    assert problems[0].event is not None


def _other_certificate(tmp_path: Path) -> Path:
    """A self-signed certificate that is not the agency's."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "other.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_verify_checks_each_signed_pdf(package_path: Path, tmp_path: Path) -> None:
    """Issue 16 point 4: the report names who signed each letter, when, and that it is
    intact; pinned to the agency's certificate it is trusted, to another it is not;
    one changed byte in a letter breaks its signature and its chained hash."""
    key = _public_key(tmp_path).read_bytes()
    agency_cert = pdf_signing.certificate_pem()
    report = verify_package(package_path, key_pem=key, pdf_certs_pem=agency_cert)
    assert report.ok, report.render("en")
    with zipfile.ZipFile(package_path) as archive:
        letters = [n for n in archive.namelist() if n.endswith("/letter.pdf")]
    assert letters
    lines = [line for line in report.checked if "PDF signed by" in line]
    assert len(lines) == len(letters), report.render("en")
    assert all("DEMO" in line and "intact, trusted" in line for line in lines)

    other = _other_certificate(tmp_path).read_bytes()
    report = verify_package(package_path, key_pem=key, pdf_certs_pem=other)
    assert {f.file for f in report.findings if f.code == "PDF_UNTRUSTED"} == set(
        letters
    )

    tampered = _rewrite(
        package_path, tmp_path / "tampered.zip", _one_byte_changed(letters[0])
    )
    report = verify_package(tampered, key_pem=key)
    assert not report.ok
    codes = {f.code for f in report.findings if f.file == letters[0]}
    assert {"PDF_SIGNATURE_INVALID", "PDF_HASH_MISMATCH"} <= codes, report.render("en")


def test_the_console_command_takes_the_pdf_certificate(
    package_path: Path, tmp_path: Path
) -> None:
    cert = tmp_path / "agency-pdf.pem"
    cert.write_bytes(pdf_signing.certificate_pem())
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "prachum.cli",
            "verify",
            str(package_path),
            "--key",
            str(_public_key(tmp_path)),
            "--pdf-cert",
            str(cert),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "letter.pdf: PDF signed by" in done.stdout
