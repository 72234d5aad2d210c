"""Ballots through ``cast_ballot`` on PostgreSQL, one JSON line per figure.

Run: ``.venv/bin/python bench/votes.py`` (``BENCH_PG_URL`` overrides the server,
default ``postgres://postgres@127.0.0.1:5432``; ``BENCH_VOTERS`` the electorates,
default ``1000,5000``; ``BENCH_WORKERS`` the thread pool, default 32).

For each electorate a throwaway database ``prachum_bench_votes`` is created and
migrated, N voting members are seated (identified with two factors and connected,
written in bulk), a secret poll is opened, and every voter casts one ballot from a
bounded thread pool. Figures: durable ballots per second (a ballot counts once its
transaction committed), p50/p99 acknowledgement time of ``cast_ballot``, ballots lost
or duplicated (both must be 0), and the seconds from ``close_poll`` to the published
result arriving on the room group. Goal: ≥ 500 ballots/s, p99 < 500 ms. The database is
dropped at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

DB_NAME = "prachum_bench_votes"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
VOTERS = [int(n) for n in os.environ.get("BENCH_VOTERS", "1000,5000").split(",")]
WORKERS = int(os.environ.get("BENCH_WORKERS", "32"))
GOAL_PER_S = 500
GOAL_P99_MS = 500

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("REDIS_URL", None)  # the in-memory layer: measure our code, not Redis


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _setup_database() -> None:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _drop_database() -> None:
    from django.db import connections

    connections.close_all()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _meeting(n: int) -> tuple[Any, Any, list[Any]]:
    """A committee of ``n`` voting members plus a chair, its meeting open, all present."""
    from django.utils import timezone

    from prachum.accounts.models import User
    from prachum.attendance.models import (
        CheckMethod,
        Connection,
        IdentityCheck,
        LocationKind,
    )
    from prachum.committees.models import Agency, Committee, Membership, Role
    from prachum.meetings.models import AgendaItem, Meeting, MeetingStatus
    from prachum.room import lifecycle as room_lifecycle

    tag = f"{n}-{time.monotonic_ns()}"
    agency = Agency.objects.create(name=f"Bench {tag}", letter_code="BENCH")
    committee = Committee.objects.create(
        agency=agency, name=f"Bench committee {tag}", legal_basis="bench"
    )
    chair = User.objects.create(
        username=f"chair-{tag}", full_name="Chair", email=f"chair-{tag}@bench.invalid"
    )
    Membership.objects.create(
        committee=committee, user=chair, role=Role.CHAIR, is_voting=True
    )
    users = User.objects.bulk_create(
        User(
            username=f"v{tag}-{i:05d}",
            email=f"v{tag}-{i:05d}@bench.invalid",
            full_name=f"Voter {i:05d}",
            password="!",
        )
        for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(committee=committee, user=u, role=Role.MEMBER, is_voting=True)
        for u in users
    )
    starts = timezone.now() + dt.timedelta(minutes=5)
    meeting = Meeting.objects.create(
        committee=committee,
        number=1,
        buddhist_year=2569,
        title=f"Bench {tag}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        mode="electronic",
        status=MeetingStatus.NOTIFIED,
        created_by=chair,
    )
    item = AgendaItem.objects.create(meeting=meeting, position=100, title="Vote")
    now = timezone.now()
    checks = IdentityCheck.objects.bulk_create(
        IdentityCheck(
            meeting=meeting,
            user=u,
            method=CheckMethod.SECOND_FACTOR,
            factor="totp",
            factors=2,
            second_factor_at=now,
            location=LocationKind.REMOTE,
            device_ok=True,
            performed_by=u,
            at=now,
        )
        for u in users
    )
    Connection.objects.bulk_create(
        Connection(
            meeting=meeting,
            user=u,
            identity_check=c,
            channel_name=f"bench!{i}",
            session_hash="0" * 64,
            auth_method="second_factor:totp",
            server_node="bench",
            mode=LocationKind.REMOTE,
            connected_at=now,
        )
        for i, (u, c) in enumerate(zip(users, checks, strict=True))
    )
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    return chair, item, users


def _cast_all(
    poll: Any, jobs: list[tuple[Any, str]]
) -> tuple[float, list[float], int, list[str]]:
    """Every ballot from a bounded pool of threads; returns wall seconds, per-ballot
    acknowledgement times (ms), accepted count and error codes."""
    from django.db import connections

    from prachum.core.errors import ServiceError
    from prachum.voting import ballots

    work: queue.Queue[tuple[Any, str]] = queue.Queue()
    for job in jobs:
        work.put(job)
    acks: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WORKERS + 1)

    def worker() -> None:
        mine: list[float] = []
        failed: list[str] = []
        barrier.wait()
        try:
            while True:
                try:
                    voter, choice = work.get_nowait()
                except queue.Empty:
                    break
                start = time.perf_counter()
                try:
                    ballots.cast_ballot(voter=voter, poll=poll, choice=choice)
                except ServiceError as exc:
                    failed.append(exc.code)
                    continue
                mine.append((time.perf_counter() - start) * 1000)
        finally:
            connections.close_all()
            with lock:
                acks.extend(mine)
                errors.extend(failed)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, acks, len(acks), errors


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(n: int) -> dict[str, Any]:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from prachum.room.state import room_group
    from prachum.voting import polls
    from prachum.voting.models import (
        PendingSecretBallot,
        SecretBallot,
        VoteParticipation,
    )

    chair, item, users = _meeting(n)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="Bench", secret=True
    )
    poll = polls.open_poll(actor=chair, poll=poll)
    rng = random.Random(n)
    jobs = [(u, rng.choice(["yes", "no", "abstain"])) for u in users]
    wall, acks, accepted, errors = _cast_all(poll, jobs)
    sent = {"yes": 0, "no": 0, "abstain": 0}
    for _, choice in jobs:
        sent[choice] += 1

    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(room_group(item.meeting_id), channel)
    start = time.perf_counter()
    poll = polls.close_poll(actor=chair, poll=poll)
    while True:
        message = async_to_sync(layer.receive)(channel)
        if message["event"]["type"] == "poll.closed":
            break
    close_s = time.perf_counter() - start

    participations = VoteParticipation.objects.filter(poll=poll).count()
    distinct = (
        VoteParticipation.objects.filter(poll=poll).values("voter").distinct().count()
    )
    stored = SecretBallot.objects.filter(poll=poll).count()
    counted = sum(poll.tally.values())
    lost = (n - accepted) + (accepted - stored) + (accepted - counted)
    duplicated = (participations - distinct) + max(0, stored - accepted)
    correct = poll.tally == sent and not PendingSecretBallot.objects.exists()
    per_s = accepted / wall
    p99 = _percentile(acks, 99)
    return {
        "bench": "votes",
        "figure": f"secret_ballots_{n}",
        "voters": n,
        "workers": WORKERS,
        "durable_ballots_per_s": round(per_s, 1),
        "p50_ack_ms": round(_percentile(acks, 50), 2),
        "p99_ack_ms": round(p99, 2),
        "mean_ack_ms": round(statistics.fmean(acks), 2),
        "lost": lost,
        "duplicated": duplicated,
        "refused": sorted(set(errors)),
        "tally_matches_sent": correct,
        "close_to_published_result_s": round(close_s, 3),
        "goal_ballots_per_s": GOAL_PER_S,
        "goal_p99_ms": GOAL_P99_MS,
        "meets_goal": per_s >= GOAL_PER_S and p99 < GOAL_P99_MS,
    }


def main() -> None:
    _setup_database()
    try:
        for n in VOTERS:
            print(json.dumps(run(n)), flush=True)
    finally:
        _drop_database()


if __name__ == "__main__":
    main()
