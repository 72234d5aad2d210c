"""The meeting's recordings after close: real Janus recordings (tests/media/data) are
converted by the worker's task with the real tools, hashed into the chain, the gaps
against attendance recorded (a secret session listed as such), the chain sealed again,
and the recordings put in the evidence package, which `prachum verify` checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from prachum.archive.recordings import list_gaps, recording_status
from prachum.archive.services import request_package
from prachum.attendance.models import Incident
from prachum.core.errors import ServiceError
from prachum.evidence import keys
from prachum.evidence.models import EvidencePackage
from prachum.evidence.selectors import check_chain, list_events
from prachum.media.services import recordings_dir_for
from prachum.meetings import services as meeting_services
from prachum.notices.services import send_notice
from prachum.verify.package import MANIFEST, verify_package
from prachum.verify.recordings import from_ms, to_ms
from prachum.verify.signing import sign
from tests.archive.test_package_verify import _identify_and_connect
from tests.built_once import Built, Cast, build_once, on_commit_run, use_secrets
from tests.media.test_postprocess import (
    FIXTURE,
    copy_recordings,
    record_joins,
    require_media_tools,
)

pytestmark = pytest.mark.django_db

ALICE_US = min(i["first_packet_us"] for i in FIXTURE["files"].values())
# The meeting opens 1.5 s before alice speaks (t = 0); a secret item from 5 s to 7 s;
# closed at 9.5 s.
OPENED = dt.datetime.fromtimestamp(ALICE_US / 1e6 - 1.5, tz=dt.UTC)


@pytest.fixture(autouse=True)
def _media_tools() -> None:
    require_media_tools()


def _at(seconds: float) -> dt.datetime:
    return OPENED + dt.timedelta(seconds=seconds)


def _ms(seconds: float) -> str:
    """The instant as the gap events give it (millisecond precision)."""
    return from_ms(to_ms(_at(seconds).isoformat()))


def _voters_by_name(committee: Any) -> dict[str, Any]:
    voters = [
        m.user
        for m in committee.memberships.filter(is_voting=True).select_related("user")
    ]
    by_name = {u.username: u for u in voters}
    return {"alice": by_name["member1"], "bob": by_name["member2"], "all": voters}


@pytest.fixture
def voters_by_name(committee: Any) -> dict[str, Any]:
    return _voters_by_name(committee)


def _run_meeting(
    *,
    settings: Any,
    tmp_path: Path,
    meeting: Any,
    chair: Any,
    secretary: Any,
    people: dict[str, Any],
    capture: Any,
    process: bool = True,
) -> Any:
    from prachum.room import floor as room_floor
    from prachum.room import lifecycle as room_lifecycle

    settings.RECORDINGS_POSTPROCESS = True
    settings.JANUS_RECORDINGS_DIR = tmp_path / "recordings"
    settings.JANUS_SERVER_NAME = "janus-test"
    # Through the service, so the record holds the change (verify matches meeting.json).
    settings.HOSTING_COUNTRY = settings.SERVICE_COUNTRY = "TH"
    secret = meeting.agenda_items.get(position=300)
    meeting_services.update_agenda_item(
        actor=secretary, item=secret, title=secret.title, is_secret=True
    )
    with time_machine.travel(_at(-1), tick=False) as clock:
        meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
        send_notice(actor=secretary, meeting=meeting)
        for n, user in enumerate(people["all"]):
            _identify_and_connect(meeting, user, n)
        clock.move_to(_at(0))
        room_lifecycle.open_meeting(actor=chair, meeting=meeting)
        room_floor.set_current_item(
            actor=chair, meeting=meeting, item=meeting.agenda_items.get(position=100)
        )
        clock.move_to(_at(5))
        room_floor.set_current_item(
            actor=chair, meeting=meeting, item=meeting.agenda_items.get(pk=secret.pk)
        )
        clock.move_to(_at(7))
        room_floor.set_current_item(
            actor=chair, meeting=meeting, item=meeting.agenda_items.get(position=400)
        )
        clock.move_to(_at(9.5))
        copy_recordings(recordings_dir_for(meeting.pk))
        record_joins(
            {
                "alice": str(people["alice"].pk),
                "bob": str(people["bob"].pk),
            },
            server="janus-test",
        )
        with capture(execute=process):
            room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def closed_meeting(
    settings: Any,
    tmp_path: Path,
    meeting: Any,
    chair: Any,
    secretary: Any,
    voters_by_name: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> Any:
    return _run_meeting(
        settings=settings,
        tmp_path=tmp_path,
        meeting=meeting,
        chair=chair,
        secretary=secretary,
        people=voters_by_name,
        capture=django_capture_on_commit_callbacks,
    )


def _build_recordings_package(cast: Cast) -> tuple[Path, str]:
    """The closed meeting's package (as ``closed_meeting`` runs it) and alice's pk."""
    require_media_tools()
    people = _voters_by_name(cast.committee)
    closed = _run_meeting(
        settings=django_settings,  # in build_once's override_settings: undone after
        tmp_path=Path(django_settings.MEDIA_ROOT).parent,
        meeting=cast.meeting,
        chair=cast.chair,
        secretary=cast.secretary,
        people=people,
        capture=lambda execute: TestCase.captureOnCommitCallbacks(execute=execute),
    )
    with on_commit_run():
        package = request_package(actor=cast.secretary, meeting=closed)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    return Path(package.path), str(people["alice"].pk)


@pytest.fixture(scope="module")
def recordings_package_built(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Built[tuple[Path, str]]:
    """One package for the tests that read it and tamper with copies."""
    return build_once(
        django_db_blocker, tmp_path_factory, "recordings", _build_recordings_package
    )


@pytest.fixture
def recordings_package_path(recordings_package_built: Built[tuple[Path, str]]) -> Path:
    return use_secrets(recordings_package_built)[0]


@pytest.fixture
def recorded_alice_pk(recordings_package_built: Built[tuple[Path, str]]) -> str:
    """The pk of alice (member1) in the database the package was built from."""
    return recordings_package_built.result[1]


def _kinds(meeting: Any) -> list[str]:
    return list(list_events(chain_key=meeting.chain_key).values_list("kind", flat=True))


def test_close_processes_hashes_and_seals_the_recordings_again(
    closed_meeting: Any, voters_by_name: dict[str, Any]
) -> None:
    kinds = _kinds(closed_meeting)
    after_close = kinds[kinds.index("meeting.closed") :]
    assert after_close[:3] == [
        "meeting.closed",
        "evidence.sealed",
        "recording.processing_started",
    ]
    assert after_close.count("recording.processed") == 3
    assert after_close.count("recording.mixed") == 1
    assert after_close[-2:] == ["recording.processing_finished", "evidence.sealed"]
    assert recording_status(meeting=closed_meeting).state == "done"
    assert check_chain(chain_key=closed_meeting.chain_key).ok
    processed = [
        e.payload
        for e in list_events(chain_key=closed_meeting.chain_key).filter(
            kind="recording.processed"
        )
    ]
    folder = recordings_dir_for(closed_meeting.pk) / "processed"
    for payload in processed:
        data = (folder / Path(payload["path"]).name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == payload["sha256"]
    owners = sorted(p["user"] for p in processed)
    alice, bob = str(voters_by_name["alice"].pk), str(voters_by_name["bob"].pk)
    assert owners == sorted([alice, bob, bob])
    # the .mjr files are kept
    assert len(list(recordings_dir_for(closed_meeting.pk).glob("*.mjr"))) == 3


def test_gaps_against_attendance_are_listed_and_the_secret_item_is_not_a_failure(
    closed_meeting: Any, voters_by_name: dict[str, Any]
) -> None:
    gaps = list_gaps(meeting=closed_meeting)
    alice = str(voters_by_name["alice"].pk)
    mine = [g for g in gaps if g["user"] == alice]
    secret = [g for g in mine if g["reason"] == "secret_session"]
    missing = [g for g in mine if g["reason"] == "not_recorded"]
    assert [(g["start"], g["end"]) for g in secret] == [(_ms(5), _ms(7))]
    # alice spoke 1.5-4.5 s: not recorded 4.5-5 s (too short) and 7-9.5 s
    assert [(g["start"], g["end"]) for g in missing] == [(_ms(7), _ms(9.5))]
    # nobody else was recorded: every other voter has a gap for the open parts
    others = {g["user"] for g in gaps if g["reason"] == "not_recorded"}
    assert others == {str(u.pk) for u in voters_by_name["all"]}


def test_the_package_holds_the_recordings_and_verifies(
    recordings_package_path: Path, recorded_alice_pk: str
) -> None:
    with zipfile.ZipFile(recordings_package_path) as archive:
        names = set(archive.namelist())
        index = json.loads(archive.read("recordings/index.json"))
        info = archive.getinfo("recordings/mixed.opus")
    assert info.compress_type == zipfile.ZIP_STORED
    alice = recorded_alice_pk
    assert any(n.startswith(f"recordings/{alice}/") for n in names)
    assert index["mixed"]["path"] == "recordings/mixed.opus"
    entry = next(p for p in index["participants"] if p["user"] == alice)
    assert len(entry["segments"]) == 1
    assert abs(entry["audio_ms"] - 3000) <= 100
    assert entry["segments"][0]["started_us"] == ALICE_US
    report = verify_package(recordings_package_path, key_pem=keys.verify_key_pem())
    assert report.ok, report.render("en")
    text = report.render("en")
    assert "4 recordings match the chain" in text
    assert "recordings index and gaps recomputed" in text


def _rewrite(source: Path, target: Path, change: Any, *, resign: bool = False) -> Path:
    """Copy the package changing members; ``resign``: also fix the manifest's hashes
    and sign it again with the agency key, as an insider holding the key could."""
    with zipfile.ZipFile(source) as src:
        members = {n: src.read(n) for n in src.namelist()}
    for name in list(members):
        members[name] = change(name, members[name])
    if resign:
        manifest = json.loads(members[MANIFEST])
        for entry in manifest["files"]:
            data = members[entry["path"]]
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["size"] = len(data)
        manifest.pop("signature")
        manifest["signature"] = sign(keys.signing_key(), manifest)
        members[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return target


def _flip_one_byte(data: bytes) -> bytes:
    buffer = io.BytesIO(data).getbuffer().tobytes()
    middle = len(buffer) // 2
    return buffer[:middle] + bytes([buffer[middle] ^ 0x01]) + buffer[middle + 1 :]


def _opus_of(recordings_package_path: Path, user: str) -> str:
    with zipfile.ZipFile(recordings_package_path) as archive:
        return next(
            n for n in archive.namelist() if n.startswith(f"recordings/{user}/")
        )


@pytest.mark.parametrize("resign", [False, True])
def test_one_byte_changed_in_a_recording_fails_naming_the_file(
    recordings_package_path: Path,
    tmp_path: Path,
    recorded_alice_pk: str,
    resign: bool,
) -> None:
    target = _opus_of(recordings_package_path, recorded_alice_pk)
    tampered = _rewrite(
        recordings_package_path,
        tmp_path / "tampered.zip",
        lambda name, data: _flip_one_byte(data) if name == target else data,
        resign=resign,
    )
    report = verify_package(tampered, key_pem=keys.verify_key_pem())
    assert not report.ok
    codes = {(f.code, f.file) for f in report.findings if not f.warning}
    # even with the manifest fixed and re-signed, the chain holds the file's hash
    assert ("RECORDING_HASH_MISMATCH", target) in codes
    if not resign:
        assert ("FILE_HASH_MISMATCH", target) in codes


@pytest.mark.parametrize("resign", [False, True])
def test_an_edited_index_fails_naming_it(
    recordings_package_path: Path, tmp_path: Path, resign: bool
) -> None:
    def edit(name: str, data: bytes) -> bytes:
        if name != "recordings/index.json":
            return data
        index = json.loads(data)
        index["participants"][0]["segments"][0]["duration_ms"] += 5000
        return json.dumps(index).encode()

    tampered = _rewrite(
        recordings_package_path, tmp_path / "tampered.zip", edit, resign=resign
    )
    report = verify_package(tampered, key_pem=keys.verify_key_pem())
    assert not report.ok
    files = {f.file for f in report.findings if not f.warning}
    codes = {f.code for f in report.findings if not f.warning}
    assert "recordings/index.json" in files
    assert ("RECOMPUTED_MISMATCH" if resign else "FILE_HASH_MISMATCH") in codes


def test_a_removed_recording_fails(
    recordings_package_path: Path, tmp_path: Path
) -> None:
    with (
        zipfile.ZipFile(recordings_package_path) as src,
        zipfile.ZipFile(tmp_path / "t.zip", "w") as dst,
    ):
        for name in src.namelist():
            if name != "recordings/mixed.opus":
                dst.writestr(name, src.read(name))
    report = verify_package(tmp_path / "t.zip", key_pem=keys.verify_key_pem())
    assert {(f.code, f.file) for f in report.findings} >= {
        ("FILE_MISSING", "recordings/mixed.opus"),
        ("RECORDING_MISSING", "recordings/mixed.opus"),
    }


def test_the_package_waits_for_the_recordings(
    settings: Any,
    tmp_path: Path,
    meeting: Any,
    chair: Any,
    secretary: Any,
    voters_by_name: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    closed = _run_meeting(
        settings=settings,
        tmp_path=tmp_path,
        meeting=meeting,
        chair=chair,
        secretary=secretary,
        people=voters_by_name,
        capture=django_capture_on_commit_callbacks,
        process=False,  # the worker has not run yet
    )
    assert recording_status(meeting=closed).state == "pending"
    with pytest.raises(ServiceError) as refused:
        request_package(actor=secretary, meeting=closed)
    assert refused.value.code == "RECORDINGS_PENDING"
    client = Client(headers={"accept-language": "en"})
    client.force_login(secretary)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    page = client.get(reverse("meetings:evidence", args=[closed.pk])).content.decode()
    assert 'id="recording-status" data-state="pending"' in page
    assert "Processing the recordings" in page
    answer = client.post(
        reverse("evidence:request_package", args=[closed.pk]), follow=True
    )
    assert "Processing the recordings" in answer.content.decode()
    assert not EvidencePackage.objects.filter(subject_id=closed.pk).exists()


def test_missing_tools_are_an_incident_and_the_mjr_files_stay(
    settings: Any,
    tmp_path: Path,
    meeting: Any,
    chair: Any,
    secretary: Any,
    voters_by_name: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    closed = _run_meeting(
        settings=settings,
        tmp_path=tmp_path,
        meeting=meeting,
        chair=chair,
        secretary=secretary,
        people=voters_by_name,
        capture=django_capture_on_commit_callbacks,
    )
    status = recording_status(meeting=closed)
    assert status.state == "failed"
    assert "janus-pp-rec" in status.detail
    assert Incident.objects.filter(
        meeting=closed, description__contains="janus-pp-rec"
    ).exists()
    assert len(list(recordings_dir_for(closed.pk).glob("*.mjr"))) == 3
    assert "recording.processing_failed" in _kinds(closed)

    # once the tools are there, the operator runs it again
    monkeypatch.undo()
    call_command("process_recordings", str(closed.pk), stdout=io.StringIO())
    assert recording_status(meeting=closed).state == "done"
    assert _kinds(closed)[-2:] == ["recording.processing_finished", "evidence.sealed"]
    with django_capture_on_commit_callbacks(execute=True):
        package = request_package(actor=secretary, meeting=closed)
    package = EvidencePackage.objects.get(pk=package.pk)
    report = verify_package(Path(package.path), key_pem=keys.verify_key_pem())
    assert report.ok, report.render("en")
    assert "4 recordings match the chain" in report.render("en")


def test_the_checklist_lists_the_recording_gaps(closed_meeting: Any) -> None:
    from prachum.compliance.checklist import meeting_checklist

    check = next(c for c in meeting_checklist(closed_meeting) if c.code == "RECORDING")
    # eight voters attended, two were recorded in part: the rest are gaps (R31)
    assert check.passed is False
    gaps = list_gaps(meeting=closed_meeting)
    missing = sum(1 for g in gaps if g["reason"] == "not_recorded")
    paused = sum(1 for g in gaps if g["reason"] == "secret_session")
    assert check.detail == (
        f"{missing} gaps not recorded, {paused} secret-session pauses"
    )
    assert paused == len({g["user"] for g in gaps})  # everyone present paused once


def test_the_minutes_list_the_unrecorded_stretches(
    closed_meeting: Any, voters_by_name: dict[str, Any]
) -> None:
    from prachum.minutes import wording
    from prachum.minutes.selectors import minutes_content

    lines = minutes_content(meeting=closed_meeting)["incidents"]
    alice = voters_by_name["alice"].display_name
    assert any(wording.RECORDING_GAP in line and alice in line for line in lines)
