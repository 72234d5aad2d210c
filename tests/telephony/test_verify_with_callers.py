"""`prachum verify` recomputes attendance, the traffic data, the SIP calls and the tally
with a SIP caller included (issue 17): a caller is an ordinary connection and an
ordinary ballot in the chain. An insider who edits a call's codec or source address in
``sip_calls.json`` and re-signs the manifest is caught."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prachum.archive.services import request_package
from prachum.attendance.sip_access import dial_code_for
from prachum.evidence import keys
from prachum.evidence.models import EvidencePackage
from prachum.media import presence
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.telephony import call_media, keypad, services
from prachum.telephony.models import SipCall
from prachum.verify.package import verify_package
from prachum.verify.signing import sign
from prachum.voting import ballots, polls

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller_package(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    new_call: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    django_capture_on_commit_callbacks: Any,
) -> tuple[Path, SipCall]:
    """Four present by browser, one member by telephone who votes by keypad in an open
    and a secret poll and hangs up; a stranger's call with two wrong PINs."""
    meeting = sip_meeting
    call = dial_in(members[2], meeting, codec="pcmu")
    # Janus restarted under the call: audio down, then a new leg (sip.call_rejoined).
    assert call_media.caller_audio_lost(call)
    assert not presence.has_audio(meeting_id=meeting.pk, user_id=members[2].pk)
    call_media.caller_audio_restored(
        call, participant_id=9001, server="janus-audiobridge-test"
    )
    assert presence.has_audio(meeting_id=meeting.pk, user_id=members[2].pk)
    stranger = new_call(from_uri="sip:stranger@example.net")
    services.find_meeting(stranger, dial_code_for(meeting))
    services.try_pin(stranger, meeting, "000001")
    services.try_pin(stranger, meeting, "000002")
    services.caller_left(stranger, "bye")
    item = meeting.agenda_items.order_by("position").last()
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    open_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    polls.open_poll(actor=chair, poll=open_poll)
    keypad.cast_keypad_ballot(call, open_poll, "1")
    ballots.cast_ballot(voter=chair, poll=open_poll, choice="yes")
    ballots.cast_ballot(voter=vice_chair, poll=open_poll, choice="abstain")
    polls.close_poll(actor=chair, poll=open_poll)
    secret_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="ลงมติลับ", secret=True
    )
    polls.open_poll(actor=chair, poll=secret_poll)
    keypad.cast_keypad_ballot(call, secret_poll, "2")
    ballots.cast_ballot(voter=chair, poll=secret_poll, choice="yes")
    ballots.cast_ballot(voter=vice_chair, poll=secret_poll, choice="yes")
    polls.close_poll(actor=chair, poll=secret_poll)
    services.caller_left(call, "bye")
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        package = request_package(actor=secretary, meeting=meeting)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    return Path(package.path), call


def test_a_package_with_a_caller_verifies_and_counts_them(
    caller_package: tuple[Path, SipCall], members: list[Any]
) -> None:
    path, call = caller_package
    report = verify_package(path, key_pem=keys.verify_key_pem())
    assert report.ok, report.render("en")
    text = report.render("en")
    assert "SIP calls recomputed (2 calls)" in text
    assert "votes recounted with the law engine (2 polls)" in text
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    calls = json.loads(files["sip_calls.json"])
    mine = next(c for c in calls if c["call"] == str(call.id))
    assert mine["codec"] == "pcmu"
    assert mine["source_ip"] == "198.51.100.20"
    assert mine["user"] == str(members[2].pk)
    assert mine["end_reason"] == "bye"
    assert mine["audio_participant"] == 9001  # the leg after the restart
    other = next(c for c in calls if c["call"] != str(call.id))
    assert other["failed_pin_tries"] == 2
    assert other["user"] is None
    traffic = json.loads(files["traffic_data.json"])
    row = next(r for r in traffic if r["connection"] == str(call.connection_id))
    assert row["auth_method"] == "sip_pin:pin"
    assert row["port"] == call.source_port
    attendance = json.loads(files["attendance.json"])
    assert any(r["connection"] == str(call.connection_id) for r in attendance)
    open_ballots = [
        json.loads(files[n])
        for n in files
        if n.startswith("votes/") and n.endswith("/open_ballots.json")
    ]
    assert any(
        b["voter"] == str(members[2].pk) and b["choice"] == ["yes"]
        for rows in open_ballots
        for b in rows
    )


def test_an_edited_sip_call_is_caught(
    caller_package: tuple[Path, SipCall], tmp_path: Path
) -> None:
    path, call = caller_package
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    rows = json.loads(members["sip_calls.json"])
    row = next(r for r in rows if r["call"] == str(call.id))
    row["codec"] = "opus"
    members["sip_calls.json"] = json.dumps(rows).encode()
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["path"]]).hexdigest()
    manifest.pop("signature")
    manifest["signature"] = sign(keys.signing_key(), manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    report = verify_package(tampered, key_pem=keys.verify_key_pem())
    found = [(f.code, f.file) for f in report.findings if not f.warning]
    assert found == [("RECOMPUTED_MISMATCH", "sip_calls.json")]
