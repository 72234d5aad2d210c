"""The database side of ``bench/fanout.py``: a throwaway PostgreSQL database, one open
meeting per size, identified members and their sessions.

Everything here runs in the benchmark's own process, synchronously, between the
measured phases (never inside the client's event loop). The fan-out is what is
measured, not the setup: users, memberships, second factors, identity checks and
sessions are written in bulk; the meeting is opened through ``open_meeting``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

DB_NAME = "prachum_bench_fanout"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/{DB_NAME}"
USER_AGENT = "Mozilla/5.0 (Prachum fan-out bench)"


@dataclass
class Room:
    """One open meeting whose committee has ``size`` members and a chair."""

    size: int
    meeting_id: str
    items: list[str]


@dataclass
class Plan:
    chair_session: str
    member_sessions: list[str]
    rooms: dict[int, Room] = field(default_factory=dict)


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def create_database() -> None:
    """Create and migrate the bench database (``DATABASE_URL`` is already set)."""
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def drop_database() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django may never have been set up
        pass
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _sessions(users: list[Any]) -> list[str]:
    """One saved session per user, as the login view leaves it after both factors."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from prachum.accounts.session_keys import SECOND_FACTOR_OK

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(days=1)
    rows = []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SECOND_FACTOR_OK: True,
        }
        rows.append(
            Session(
                session_key=get_random_string(
                    32, "abcdefghijklmnopqrstuvwxyz0123456789"
                ),
                session_data=store.encode(data),
                expire_date=expires,
            )
        )
    Session.objects.bulk_create(rows, batch_size=1000)
    return [row.session_key for row in rows]


def seed(sizes: list[int]) -> Plan:
    """A chair, ``max(sizes)`` users, and per size an open meeting of that many members.

    Every member of every meeting has a fresh second factor and an identity check, so
    ``room_facts.may_enter`` lets them in (checked for all of them at the end).
    """
    from django.utils import timezone

    from prachum.accounts.models import SecondFactorVerification, User
    from prachum.attendance.models import CheckMethod, IdentityCheck, LocationKind
    from prachum.committees.models import Agency, Committee, Membership, Role
    from prachum.meetings.models import AgendaItem, Meeting, MeetingStatus
    from prachum.room import facts as room_facts
    from prachum.room import lifecycle as room_lifecycle

    biggest = max(sizes)
    agency = Agency.objects.create(name="Fan-out bench", letter_code="BENCH")
    chair = User.objects.create(
        username="bench-chair",
        full_name="Bench Chair",
        email="chair@bench.invalid",
        password="!",
    )
    users = User.objects.bulk_create(
        (
            User(
                username=f"bench-{i:05d}",
                email=f"bench-{i:05d}@bench.invalid",
                full_name=f"Member {i:05d}",
                password="!",
            )
            for i in range(biggest)
        ),
        batch_size=1000,
    )
    SecondFactorVerification.objects.bulk_create(
        (
            SecondFactorVerification(
                user=u, method="totp", ip_address="127.0.0.1", user_agent=USER_AGENT
            )
            for u in [chair, *users]
        ),
        batch_size=1000,
    )
    plan = Plan(chair_session="", member_sessions=[])
    for size in sorted(set(sizes)):
        committee = Committee.objects.create(
            agency=agency, name=f"Fan-out {size}", legal_basis="bench"
        )
        members = users[:size]
        Membership.objects.create(
            committee=committee, user=chair, role=Role.CHAIR, is_voting=True
        )
        Membership.objects.bulk_create(
            (
                Membership(
                    committee=committee, user=u, role=Role.MEMBER, is_voting=True
                )
                for u in members
            ),
            batch_size=1000,
        )
        starts = timezone.now() + dt.timedelta(minutes=5)
        meeting = Meeting.objects.create(
            committee=committee,
            number=1,
            buddhist_year=2569,
            title=f"Fan-out bench {size}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            mode="electronic",
            status=MeetingStatus.NOTIFIED,
            created_by=chair,
        )
        items = [
            AgendaItem.objects.create(meeting=meeting, position=p, title=f"Item {p}")
            for p in (100, 200)
        ]
        now = timezone.now()
        IdentityCheck.objects.bulk_create(
            (
                IdentityCheck(
                    meeting=meeting,
                    user=u,
                    method=CheckMethod.SECOND_FACTOR,
                    factor="totp",
                    factors=2,
                    second_factor_at=now,
                    location=LocationKind.REMOTE,
                    in_kingdom=True,
                    device_ok=True,
                    performed_by=u,
                    at=now,
                    ip_address="127.0.0.1",
                    user_agent=USER_AGENT,
                )
                for u in [chair, *members]
            ),
            batch_size=1000,
        )
        room_lifecycle.open_meeting(
            actor=chair, meeting=meeting, without_quorum_reason="fan-out bench"
        )
        refused = [
            u.pk
            for u in [chair, *members]
            if not room_facts.may_enter(meeting=meeting, user=u)
        ]
        if refused:
            raise RuntimeError(f"{len(refused)} people may not enter meeting {size}")
        plan.rooms[size] = Room(
            size=size,
            meeting_id=str(meeting.pk),
            items=[str(item.pk) for item in items],
        )
    sessions = _sessions([chair, *users])
    plan.chair_session, plan.member_sessions = sessions[0], sessions[1:]
    return plan


def current_item(room: Room) -> str:
    from prachum.attendance.models import RoomState

    state = RoomState.objects.get(meeting_id=room.meeting_id)
    return str(state.current_item_id)


def open_connection_count(room: Room) -> int:
    from prachum.attendance.models import Connection

    return Connection.objects.filter(
        meeting_id=room.meeting_id, disconnected_at__isnull=True
    ).count()


def connections_since(room: Room, since: Any) -> int:
    """Connection rows the servers created since ``since`` (joins they carried out)."""
    from prachum.attendance.models import Connection

    return Connection.objects.filter(
        meeting_id=room.meeting_id, connected_at__gte=since
    ).count()


def reset(room: Room) -> int:
    """End every connection the killed servers left open (they never ran disconnect)."""
    from django.utils import timezone

    from prachum.attendance.models import Connection

    return Connection.objects.filter(
        meeting_id=room.meeting_id, disconnected_at__isnull=True
    ).update(disconnected_at=timezone.now(), disconnect_reason="bench_reset")


def sample_event(room: Room) -> str:
    """An ``agenda.item_started`` frame as every member gets it with everyone connected.

    Built from the same selectors as ``set_current_item``, so the baseline server can
    broadcast a frame of the same size and content (compression sees the same bytes).
    """
    from prachum.attendance.models import RoomState
    from prachum.room import quorum as room_quorum
    from prachum.room import snapshot as room_snapshot

    state = RoomState.objects.select_related("meeting").get(meeting_id=room.meeting_id)
    participants = room_snapshot.participants(meeting=state.meeting)
    for row in participants:
        row["connected"], row["mode"] = True, "remote"
    patch = {
        "current_item": room_snapshot.item_dict(state),
        "participants": participants,
        "quorum": room_quorum.quorum_dict(
            room_quorum.live_quorum(meeting=state.meeting)
        ),
        "floor": room_snapshot.floor_dict(state),
    }
    frame = {
        "type": "event",
        "kind": "agenda.item_started",
        "version": 0,
        "patch": patch,
    }
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _top_up(room: Room) -> int:
    """Open a (socketless) connection for every roster member who has none, so the
    service timings are for N open connections even when the ramp-up fell short."""
    from django.utils import timezone

    from prachum.attendance.models import Connection, IdentityCheck
    from prachum.committees.models import Membership

    meeting_id = room.meeting_id
    present = set(
        Connection.objects.filter(
            meeting_id=meeting_id, disconnected_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    roster = Membership.objects.filter(committee__meetings__id=meeting_id).values_list(
        "user_id", flat=True
    )
    checks = {
        c.user_id: c
        for c in IdentityCheck.objects.filter(meeting_id=meeting_id).order_by("at")
    }
    now = timezone.now()
    rows = [
        Connection(
            meeting_id=meeting_id,
            user_id=user_id,
            identity_check=checks[user_id],
            channel_name=f"bench.synthetic!{i}",
            session_hash="0" * 64,
            auth_method="second_factor:totp",
            server_node="bench",
            mode="remote",
            connected_at=now,
        )
        for i, user_id in enumerate(roster)
        if user_id not in present
    ]
    Connection.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def db_roundtrip_ms(samples: int = 50) -> float:
    """Median ``SELECT 1`` time: how busy PostgreSQL (and this machine) is right now."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(samples):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def _median_ms(fn: Any, repeat: int) -> tuple[float, int]:
    """Median wall time of ``fn`` and the number of SQL statements of one call."""
    from django.db import connection

    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    samples = []
    with connection.execute_wrapper(counter):
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1), count // repeat


def service_timings(room: Room, *, repeat: int = 3) -> dict[str, Any]:
    """In this process, with every roster member connected: the database side of a
    join (``open_connection`` + ``room_snapshot``) and of a change of agenda item
    (``set_current_item``, which holds the room lock), with their query counts.

    Events go to this process's in-memory layer, where nobody listens. Call
    :func:`reset` afterwards.
    """
    from prachum.accounts.models import User
    from prachum.attendance import selectors as attendance_selectors
    from prachum.meetings.models import AgendaItem, Meeting
    from prachum.room import connections as room_connections
    from prachum.room import floor as room_floor
    from prachum.room import quorum as room_quorum
    from prachum.room import snapshot as room_snapshot

    topped_up = _top_up(room)
    meeting = Meeting.objects.select_related("committee").get(pk=room.meeting_id)
    chair = User.objects.get(username="bench-chair")
    member = User.objects.get(username="bench-00000")
    items = [AgendaItem.objects.get(pk=pk) for pk in room.items]
    turn = iter(range(1000))
    figures: dict[str, Any] = {
        "open_connections": attendance_selectors.open_connections(
            meeting=meeting
        ).count(),
        "synthetic_connections": topped_up,
        "db_roundtrip_ms": db_roundtrip_ms(),
    }

    def join() -> None:
        room_connections.open_connection(
            meeting=meeting,
            user=member,
            channel_name=f"bench.timing!{next(turn)}",
            session_key="bench",
            ip_address="127.0.0.1",
            port=1,
            user_agent=USER_AGENT,
        )

    def change() -> None:
        room_floor.set_current_item(
            actor=chair, meeting=meeting, item=items[next(turn) % 2]
        )

    parts = {
        "open_connection": join,
        "room_snapshot": lambda: room_snapshot.room_snapshot(
            meeting=meeting, user=member
        ),
        "set_current_item": change,
        "participants": lambda: room_snapshot.participants(meeting=meeting),
        "live_quorum": lambda: room_quorum.live_quorum(meeting=meeting),
    }
    for name, fn in parts.items():
        ms, queries = _median_ms(fn, repeat)
        figures[f"{name}_ms"] = ms
        figures[f"{name}_queries"] = queries
    return figures


def without_participants(sample: str) -> str:
    """The same event without the roster: what a patch of only what changed carries."""
    frame = json.loads(sample)
    frame["patch"].pop("participants", None)
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def now() -> Any:
    from django.utils import timezone

    return timezone.now()


def per_client_costs(sample: str, clients: int, *, repeat: int = 20) -> dict[str, Any]:
    """What one member costs the server per event, measured here on ``sample``.

    The in-memory layer deep-copies the message for every channel; the consumer
    encodes it to JSON for every socket; permessage-deflate compresses it for every
    socket (own zlib context each, as websockets does). Multiplied by ``clients``: the
    serial CPU one change costs before the last member can have it. The same for the
    event without the participant list (what a patch of only what changed would cost).
    """
    import copy
    import zlib

    def costs(text: str) -> dict[str, float]:
        event = json.loads(text)
        message = {"type": "room.event", "event": event}
        payload = text.encode()
        out: dict[str, float] = {}
        for name, fn in (
            ("deepcopy", lambda: copy.deepcopy(message)),
            (
                "json",
                lambda: json.dumps(event, ensure_ascii=False, separators=(",", ":")),
            ),
            (
                "deflate",
                lambda: zlib.compressobj(wbits=-15).compress(payload),
            ),
        ):
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            out[name] = (time.perf_counter() - start) * 1000 / repeat
        return out

    full = costs(sample)
    small_text = without_participants(sample)
    small = costs(small_text)
    return {
        "event_bytes": len(sample.encode()),
        **{f"{k}_ms_each": round(v, 3) for k, v in full.items()},
        "serial_ms_all_clients": round(sum(full.values()) * clients, 1),
        "without_participants_bytes": len(small_text.encode()),
        "without_participants_serial_ms": round(sum(small.values()) * clients, 1),
    }
