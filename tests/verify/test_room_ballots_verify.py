"""`prachum verify` recounts every tally with the ballots from the meeting room: a show
of hands recorded by the secretary, the room ballot terminal and a paper batch counted
by two tellers. An insider who edits a paper batch's count or a count of ballots per
channel, and re-signs the manifest with the agency key, is caught by the recount."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prachum.accounts.models import SecondFactorVerification
from prachum.archive.services import request_package
from prachum.evidence import keys
from prachum.evidence.models import EvidencePackage
from prachum.meetings import services as meeting_services
from prachum.meetings.models import MeetingMode
from prachum.notices.services import send_notice
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.verify.package import verify_package
from prachum.verify.report import Report
from prachum.verify.signing import sign
from prachum.voting import ballots, paper_ballots, polls, room_ballots
from tests.built_once import Built, Cast, build_once, on_commit_run, use_secrets

pytestmark = pytest.mark.django_db


def _remote(meeting: Any, user: Any, n: int) -> None:
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
        channel_name=f"test.{n}",
        session_key=f"s{n}",
        ip_address="192.0.2.10",
        port=40000 + n,
        user_agent="test",
    )


def _seat(meeting: Any, user: Any, secretary: Any) -> None:
    """Signed in at the room by the secretary, present through the room's channel:
    the rows and events the room sign-in writes (issue 13, presence in the room)."""
    room_participants.sign_in_at_room(actor=secretary, meeting=meeting, user=user)


def _build_room_ballot_package(cast: Cast) -> Path:
    """A hybrid meeting of eight voting members: six on their own devices, two signed
    in at the room. An open vote (six devices, two hands) and a secret vote (six
    devices, one at the room ballot terminal, one paper ballot counted by two
    tellers)."""
    chair, secretary, committee = cast.chair, cast.secretary, cast.committee
    # What the ``hybrid_meeting`` fixture gives: scheduled, decided, noticed.
    meeting = cast.make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 301")
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    send_notice(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()
    voters = [
        m.user
        for m in committee.memberships.filter(is_voting=True)
        .select_related("user")
        .order_by("user__username")
    ]
    remote, in_room = voters[:-2], voters[-2:]
    for n, user in enumerate(remote):
        _remote(meeting, user, n)
    for user in in_room:
        _seat(meeting, user, secretary)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    item = meeting.agenda_items.order_by("position").last()
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)

    open_poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    polls.open_poll(actor=chair, poll=open_poll)
    for voter in remote:
        ballots.cast_ballot(voter=voter, poll=open_poll, choice="yes")
    for voter, choice in zip(in_room, ["no", "abstain"], strict=True):
        room_ballots.record_hand_vote(
            actor=secretary, poll=open_poll, voter=voter, choice=choice
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
    a, b, c = [str(o.pk) for o in secret_poll.options.order_by("position")]
    for voter, choice in zip(remote, [a, a, a, a, b, c], strict=True):
        ballots.cast_ballot(voter=voter, poll=secret_poll, choice=[choice])
    room_ballots.unlock_terminal(actor=secretary, poll=secret_poll, voter=in_room[0])
    claimed = room_ballots.claim_terminal(actor=secretary, meeting=meeting)
    assert claimed is not None
    room_ballots.cast_at_terminal(
        actor=secretary, poll=secret_poll, token=claimed[1], choice=[b]
    )
    paper_ballots.record_paper_batch(
        actor=secretary,
        poll=secret_poll,
        tellers=[chair, secretary],
        voters=[in_room[1]],
        counts={c: 1},
    )
    closed = polls.close_poll(actor=chair, poll=secret_poll)
    assert closed.channels == {"device": 6, "hands": 0, "terminal": 1, "paper": 1}
    room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    with on_commit_run():
        package = request_package(actor=secretary, meeting=meeting)
    package = EvidencePackage.objects.get(pk=package.pk)
    assert package.status == "ready", package.error
    return Path(package.path)


@pytest.fixture(scope="module")
def room_ballot_built(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Built[Path]:
    """One package for the module: each test reads it and tampers with copies."""
    return build_once(
        django_db_blocker, tmp_path_factory, "room-ballots", _build_room_ballot_package
    )


@pytest.fixture
def room_ballot_package(room_ballot_built: Built[Path]) -> Path:
    return use_secrets(room_ballot_built)


def _key() -> bytes:
    return keys.verify_key_pem()


def _insider(
    source: Path, target: Path, edit: Callable[[dict[str, bytes]], str]
) -> tuple[Path, str]:
    """Edit the package's files with ``edit`` (returns the file it changed), re-hash
    the manifest and re-sign it with the agency key, as an insider could."""
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    changed = edit(members)
    manifest = json.loads(members["manifest.json"])
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(members[entry["path"]]).hexdigest()
    manifest.pop("signature")
    manifest["signature"] = sign(keys.signing_key(), manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target, changed


def _poll_file(members: dict[str, bytes], name: str, *, secret: bool) -> str:
    poll = next(
        n
        for n in members
        if n.startswith("votes/")
        and n.endswith("/poll.json")
        and json.loads(members[n])["is_secret"] is secret
    )
    return poll.rsplit("/", 1)[0] + "/" + name


def _mismatches(report: Report) -> list[tuple[str, str]]:
    return [(f.code, f.file) for f in report.findings if not f.warning]


def test_a_package_with_room_ballots_verifies(room_ballot_package: Path) -> None:
    report = verify_package(room_ballot_package, key_pem=_key())
    assert report.ok, report.render("en")
    assert "votes recounted with the law engine (2 polls)" in report.render("en")
    with zipfile.ZipFile(room_ballot_package) as archive:
        names = archive.namelist()
        secret = _poll_file({n: archive.read(n) for n in names}, "", secret=True)
        batches = json.loads(archive.read(secret + "paper_batches.json"))
        result = json.loads(archive.read(secret + "poll.json"))["result"]
    assert [b["ballots"] for b in batches] == [1]
    assert result["channels"] == {"device": 6, "hands": 0, "terminal": 1, "paper": 1}
    assert sum(result["tally"]["counts"].values()) == 8


def test_an_edited_paper_batch_count_is_caught(
    room_ballot_package: Path, tmp_path: Path
) -> None:
    def edit(members: dict[str, bytes]) -> str:
        name = _poll_file(members, "paper_batches.json", secret=True)
        rows = json.loads(members[name])
        rows[0]["ballots"] = 2
        members[name] = json.dumps(rows).encode()
        return name

    tampered, name = _insider(room_ballot_package, tmp_path / "paper.zip", edit)
    report = verify_package(tampered, key_pem=_key())
    assert _mismatches(report) == [("RECOMPUTED_MISMATCH", name)]


@pytest.mark.parametrize("secret", [True, False])
def test_an_edited_count_of_ballots_per_channel_is_caught(
    room_ballot_package: Path, tmp_path: Path, secret: bool
) -> None:
    def edit(members: dict[str, bytes]) -> str:
        name = _poll_file(members, "poll.json", secret=secret)
        poll = json.loads(members[name])
        channels = poll["result"]["channels"]
        moved = "paper" if secret else "hands"
        channels[moved] -= 1
        channels["device"] += 1
        members[name] = json.dumps(poll).encode()
        return name

    tampered, name = _insider(room_ballot_package, tmp_path / "channels.zip", edit)
    report = verify_package(tampered, key_pem=_key())
    assert _mismatches(report) == [("RECOMPUTED_MISMATCH", name)]


def test_a_paper_voter_relabelled_as_a_device_voter_is_caught(
    room_ballot_package: Path, tmp_path: Path
) -> None:
    def edit(members: dict[str, bytes]) -> str:
        name = _poll_file(members, "channels.json", secret=True)
        channels = json.loads(members[name])
        channels["device"] = sorted(channels["device"] + channels["paper"])
        channels["paper"] = []
        members[name] = json.dumps(channels).encode()
        return name

    tampered, name = _insider(room_ballot_package, tmp_path / "relabel.zip", edit)
    report = verify_package(tampered, key_pem=_key())
    assert _mismatches(report) == [("RECOMPUTED_MISMATCH", name)]


def test_a_hand_vote_rewritten_in_the_open_ballots_is_caught(
    room_ballot_package: Path, tmp_path: Path
) -> None:
    def edit(members: dict[str, bytes]) -> str:
        name = _poll_file(members, "open_ballots.json", secret=False)
        rows = json.loads(members[name])
        hand = next(r for r in rows if r["channel"] == "hands")
        hand["channel"] = "device"
        hand["recorded_by"] = None
        members[name] = json.dumps(rows).encode()
        return name

    tampered, name = _insider(room_ballot_package, tmp_path / "hands.zip", edit)
    report = verify_package(tampered, key_pem=_key())
    assert _mismatches(report) == [("RECOMPUTED_MISMATCH", name)]
