"""Seal, package and verify a synthetic 3-hour meeting; one JSON line per figure.

Run: ``.venv/bin/python bench/package.py``. Environment: ``BENCH_HOURS`` (3),
``BENCH_PARTICIPANTS`` (30), ``BENCH_ITEMS`` (20 agenda items), ``BENCH_POLLS`` (20),
``BENCH_BITRATE`` (Opus, ``16k``), ``BENCH_KEEP`` (keep the temp folder), ``BENCH_MIX``
(also time the worker's mixed timeline of all the files: minutes, not seconds). The database is
SQLite in a temporary var folder unless ``DATABASE_URL`` is given (then it must be an
empty database this script may migrate).

The meeting runs through the services with the clock moved forward (time-machine): 30
members identify and connect, the chair opens, moves through 20 items over three hours,
and holds 20 polls (open and secret, everyone voting), then closes (the first seal).
Each participant's recording is synthesised with ffmpeg as a real Ogg Opus file of the
whole meeting (a one-minute tone of its own pitch, encoded once and repeated by stream
copy), plus the mixed timeline; about 22 MB per participant at 16 kb/s — ~0.7 GB of
disk for the default run, deleted at the end.

Figures: ``record_and_seal_s`` (append the ``recording.*`` events and the second seal,
as the worker does after converting), ``build_package_s`` (the worker's package build:
hashing, manifest, signature, zip), ``verify_s`` (``prachum verify`` on the zip, in a
fresh process: the offline verifier as an auditor runs it). Goal: < 60 s each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOURS = float(os.environ.get("BENCH_HOURS", "3"))
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "30"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "20"))
POLLS = int(os.environ.get("BENCH_POLLS", "20"))
BITRATE = os.environ.get("BENCH_BITRATE", "16k")
GOAL_S = 60
FFMPEG = ["ffmpeg", "-v", "error", "-y"]
VERIFY = [sys.executable, "-m", "prachum.cli", "verify"]

VAR = Path(tempfile.mkdtemp(prefix="prachum-bench-package-"))
sys.path.insert(0, str(ROOT))
os.environ["PRACHUM_VAR_DIR"] = str(VAR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("REDIS_URL", None)
os.environ["JANUS_ENABLED"] = "false"  # the fake media server; no post-processing task
os.environ["JANUS_RECORDINGS_DIR"] = str(VAR / "recordings")
os.environ["EMAIL_URL"] = ""


def emit(name: str, value: Any, **extra: Any) -> None:
    print(json.dumps({"bench": "package", "figure": name, "value": value, **extra}))
    sys.stdout.flush()


def synthesise(target: Path, *, seconds: float, pitch: int, work: Path) -> None:
    """A real Ogg Opus file of ``seconds``: one minute encoded, repeated by copy."""
    chunk = work / f"chunk-{pitch}.opus"
    source = ["-f", "lavfi", "-i", f"sine=f={pitch}:d=60:r=16000"]
    codec = ["-c:a", "libopus", "-b:a", BITRATE, "-ac", "1", "-compression_level", "0"]
    subprocess.run(
        [*FFMPEG, *source, *codec, str(chunk)],
        check=True,
        timeout=120,
    )
    loops = max(0, int(seconds // 60) - 1)
    subprocess.run(
        [
            *FFMPEG,
            "-stream_loop",
            str(loops),
            "-i",
            str(chunk),
            "-c",
            "copy",
            str(target),
        ],
        check=True,
        timeout=600,
    )
    chunk.unlink()


def setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def run_meeting(start: dt.datetime) -> tuple[Any, Any, list[Any]]:
    """The synthetic meeting through the services; returns (meeting, secretary, voters)."""
    import time_machine

    from prachum.accounts.models import SecondFactorVerification
    from prachum.committees.models import Role
    from prachum.meetings import services as meetings
    from prachum.notices.services import send_notice
    from prachum.room import connections as room_connections
    from prachum.room import floor as room_floor
    from prachum.room import lifecycle as room_lifecycle
    from prachum.room import participants as room_participants
    from prachum.voting import ballots, polls
    from tests.factories import (
        AgencyFactory,
        CommitteeFactory,
        MembershipFactory,
        UserFactory,
    )

    committee = CommitteeFactory(agency=AgencyFactory(), notice_min_days=0)
    roles = [Role.CHAIR, Role.VICE_CHAIR, Role.SECRETARY] + [Role.MEMBER] * (
        PARTICIPANTS - 3
    )
    people = [
        MembershipFactory(
            committee=committee,
            role=role,
            user=UserFactory(username=f"p{n:02d}", full_name=f"ผู้เข้าประชุม {n}"),
        ).user
        for n, role in enumerate(roles)
    ]
    chair, secretary = people[0], people[2]
    voters = [p for p, r in zip(people, roles, strict=True) if r != Role.SECRETARY]
    step = dt.timedelta(hours=HOURS) / (ITEMS + 1)
    with time_machine.travel(start - dt.timedelta(days=8), tick=False) as clock:
        meeting = meetings.schedule_meeting(
            actor=secretary,
            committee=committee,
            title="การประชุมทดสอบสมรรถนะ",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=HOURS),
            mode="electronic",
            venue="",
        )
        parent = meeting.agenda_items.get(position=400)
        for n in range(ITEMS - 5):
            meetings.add_agenda_item(
                actor=secretary, meeting=meeting, title=f"เรื่องที่ {n + 1}", parent=parent
            )
        meetings.record_electronic_decision(actor=chair, meeting=meeting)
        send_notice(actor=secretary, meeting=meeting)
        clock.move_to(start - dt.timedelta(minutes=5))
        for n, user in enumerate(people):
            SecondFactorVerification.objects.create(user=user, method="totp")
            room_participants.check_identity(
                meeting=meeting,
                user=user,
                location="remote",
                device_ok=True,
                ip_address="192.0.2.10",
                user_agent="bench",
            )
            room_connections.open_connection(
                meeting=meeting,
                user=user,
                channel_name=f"bench.{n}",
                session_key=f"s{n}",
                ip_address="192.0.2.10",
                port=40000 + n,
                user_agent="bench",
            )
        clock.move_to(start)
        room_lifecycle.open_meeting(actor=chair, meeting=meeting)
        items = list(
            meeting.agenda_items.filter(is_removed=False).order_by("position", "pk")
        )[:ITEMS]
        polls_per_item = [POLLS // len(items)] * len(items)
        for n in range(POLLS % len(items)):
            polls_per_item[n] += 1
        for index, (item, count) in enumerate(zip(items, polls_per_item, strict=True)):
            clock.move_to(start + step * (index + 1))
            room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
            for p in range(count):
                poll = polls.create_poll(
                    actor=chair,
                    item=item,
                    kind="motion",
                    question=f"มติที่ {index + 1}.{p + 1}",
                    secret=(index + p) % 2 == 1,
                )
                polls.open_poll(actor=chair, poll=poll)
                for v, voter in enumerate(voters):
                    ballots.cast_ballot(
                        voter=voter, poll=poll, choice="no" if v % 3 == 2 else "yes"
                    )
                polls.close_poll(actor=chair, poll=poll)
        clock.move_to(start + dt.timedelta(hours=HOURS))
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)  # the first seal
    meeting.refresh_from_db()
    return meeting, secretary, people


def mix(outputs: list[tuple[Any, Path]], *, start: dt.datetime, seconds: float) -> None:
    """``BENCH_MIX=1``: the worker's mixed timeline of every participant's file."""
    from prachum.media import postprocess

    start_us = int(start.timestamp()) * 1_000_000
    segments = [
        postprocess.Segment(
            source=path.name,
            source_sha256="",
            output=path,
            kind="audio",
            room=1,
            participant=n,
            user=str(user.pk),
            created_us=start_us,
            started_us=start_us + n * 1_000_000,  # joined one second apart
            duration_ms=int(seconds * 1000),
            sha256="",
            size=path.stat().st_size,
            recovered=False,
        )
        for n, (user, path) in enumerate(outputs)
    ]
    folder = VAR / "mix"
    t0 = time.perf_counter()
    mixed = postprocess.mix_audio(segments, origin_us=start_us, folder=folder)
    emit(
        "mix_s",
        round(time.perf_counter() - t0, 2),
        inputs=len(segments),
        mixed_mb=round(mixed.size / 1e6, 1),
        mixed_s=mixed.duration_ms // 1000,
    )


def main() -> int:
    if not shutil.which("ffmpeg"):
        emit("error", "ffmpeg is not installed")
        return 1
    setup()
    from django.conf import settings
    from django.db import transaction

    from prachum.archive.package import run_package_build
    from prachum.archive.recordings import PACKAGE_DIR, _event_bodies
    from prachum.evidence.models import EvidenceChain, EvidencePackage
    from prachum.evidence.sealing import seal_chain
    from prachum.evidence.services import append_event
    from prachum.media.postprocess import MIXED_NAME, PROCESSED_DIR, sha256_file
    from prachum.media.services import recordings_dir_for
    from prachum.verify import recordings as record

    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    t0 = time.perf_counter()
    meeting, secretary, people = run_meeting(start)
    chain = EvidenceChain.objects.get(key=meeting.chain_key)
    emit("meeting_s", round(time.perf_counter() - t0, 2), events=chain.length)

    seconds = HOURS * 3600
    folder = recordings_dir_for(meeting.pk) / PROCESSED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    work = VAR / "work"
    work.mkdir()
    t0 = time.perf_counter()
    outputs = []
    for n, user in enumerate(people):
        target = folder / f"participant-{n:02d}-audio.opus"
        synthesise(target, seconds=seconds, pitch=200 + 20 * n, work=work)
        outputs.append((user, target))
    mixed = folder / MIXED_NAME
    synthesise(mixed, seconds=seconds, pitch=1000, work=work)
    size = sum(p.stat().st_size for _u, p in outputs) + mixed.stat().st_size
    emit(
        "synthesise_s",
        round(time.perf_counter() - t0, 2),
        files=len(outputs) + 1,
        mb=round(size / 1e6, 1),
    )

    if os.environ.get("BENCH_MIX"):
        mix(outputs, start=start, seconds=seconds)

    # What the worker records after converting (prachum.archive.recordings).
    start_us = int(start.timestamp()) * 1_000_000
    duration_ms = int(seconds * 1000)
    t0 = time.perf_counter()
    with transaction.atomic():
        append_event(
            chain_key=meeting.chain_key,
            kind=record.STARTED,
            actor=None,
            payload={"sources": [p.name for _u, p in outputs]},
        )
        for n, (user, path) in enumerate(outputs):
            append_event(
                chain_key=meeting.chain_key,
                kind=record.PROCESSED,
                actor=None,
                payload={
                    "path": f"{PACKAGE_DIR}/{user.pk}/{path.name}",
                    "source": path.name.replace(".opus", ".mjr"),
                    "source_sha256": "",
                    "kind": "audio",
                    "room": "1",
                    "participant": str(n + 1),
                    "user": str(user.pk),
                    "started_at": record.from_ms(start_us // 1000),
                    "started_us": start_us,
                    "duration_ms": duration_ms,
                    "sha256": sha256_file(path),
                    "size": path.stat().st_size,
                    "recovered": False,
                },
            )
        append_event(
            chain_key=meeting.chain_key,
            kind=record.MIXED,
            actor=None,
            payload={
                "path": f"{PACKAGE_DIR}/{MIXED_NAME}",
                "origin": record.from_ms(start_us // 1000),
                "duration_ms": duration_ms,
                "sha256": sha256_file(mixed),
                "size": mixed.stat().st_size,
                "inputs": len(outputs),
            },
        )
        gaps = record.expected_gaps(_event_bodies(meeting.chain_key))
        for gap in gaps:
            append_event(
                chain_key=meeting.chain_key, kind=record.GAP, actor=None, payload=gap
            )
        append_event(
            chain_key=meeting.chain_key,
            kind=record.FINISHED,
            actor=None,
            payload={"files": len(outputs) + 1, "unreadable": 0, "gaps": len(gaps)},
        )
        seal_chain(chain_key=meeting.chain_key, actor=None)
    seal_s = time.perf_counter() - t0
    chain.refresh_from_db()
    emit("record_and_seal_s", round(seal_s, 2), events=chain.length, gaps=len(gaps))

    with transaction.atomic():
        package = EvidencePackage.objects.create(
            chain=chain,
            subject_id=meeting.pk,
            requested_by=secretary,
            requested_at=dt.datetime.now(tz=dt.UTC),
        )
    t0 = time.perf_counter()
    built = run_package_build(package_id=str(package.pk))
    build_s = time.perf_counter() - t0
    emit(
        "build_package_s",
        round(build_s, 2),
        goal_s=GOAL_S,
        mb=round((built.size or 0) / 1e6, 1),
        status=built.status,
    )

    key = VAR / "agency.pub.pem"
    from prachum.evidence import keys

    key.write_bytes(keys.verify_key_pem())
    t0 = time.perf_counter()
    done = subprocess.run(
        [*VERIFY, built.path, "--key", str(key), "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    verify_s = time.perf_counter() - t0
    emit(
        "verify_s",
        round(verify_s, 2),
        goal_s=GOAL_S,
        passed=done.returncode == 0,
        last_line=(done.stdout.strip().splitlines() or [""])[-1],
    )
    emit(
        "summary",
        {
            "hours": HOURS,
            "participants": PARTICIPANTS,
            "items": ITEMS,
            "polls": POLLS,
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        },
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:])
    return 0 if done.returncode == 0 and built.status == "ready" else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(VAR, ignore_errors=True)
    sys.exit(code)
