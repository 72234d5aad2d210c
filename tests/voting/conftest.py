"""Fixtures for votes: an open meeting with people present, polls through the services.

People are identified and connected with the live-room fixtures of
``tests/fixtures/room.py`` (the real services: a fresh second factor, then a
socket). Large electorates for the concurrency tests are seated in bulk by
:func:`seat_voters` (rows written directly: the test is about ``cast_ballot``).

Tests marked ``postgres_only`` (row locks, concurrency, physical row order) are
deselected — not skipped — on SQLite, so ``CI=true`` runs on SQLite stay green and the
PostgreSQL run carries them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from prachum.attendance.models import (
    CheckMethod,
    Connection,
    IdentityCheck,
    LocationKind,
)
from prachum.committees.models import Committee, Membership, Role
from prachum.meetings import services as meeting_services
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room.facts import current_item
from prachum.voting import polls
from prachum.voting.crypto import keeper
from prachum.voting.models import Poll
from tests.collection import deselect
from tests.factories import MembershipFactory, UserFactory
from tests.voting.room_presence import seat

HERE = Path(__file__).parent


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if connection.vendor == "postgresql":
        return
    deselect(
        config,
        items,
        lambda item: (
            Path(str(item.fspath)).is_relative_to(HERE)
            and item.get_closest_marker("postgres_only") is not None
        ),
    )


@pytest.fixture(autouse=True)
def _fresh_keeper() -> Iterator[None]:
    """Keys of one test's polls never leak into the next."""
    yield
    keeper._boxes.clear()


@pytest.fixture
def voters(chair: Any, vice_chair: Any, members: list[Any]) -> list[Any]:
    """The eight voting members: chair, vice-chair, member1 .. member6."""
    return [chair, vice_chair, *members]


@pytest.fixture
def room(
    notified_meeting: Meeting,
    chair: Any,
    voters: list[Any],
    present: Callable[..., Connection],
) -> Meeting:
    """The meeting open, with six of the eight voting members present (chair,
    vice-chair, member1 .. member4); member5 and member6 are away. The current item
    is the first one on the agenda."""
    for user in voters[:6]:
        present(user, notified_meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=notified_meeting)
    notified_meeting.refresh_from_db()
    return notified_meeting


@pytest.fixture
def item(room: Meeting) -> AgendaItem:
    agenda_item = current_item(meeting=room)
    assert agenda_item is not None
    return agenda_item


@pytest.fixture
def make_current(chair: Any) -> Callable[[AgendaItem], AgendaItem]:
    def run(agenda_item: AgendaItem) -> AgendaItem:
        room_floor.set_current_item(
            actor=chair, meeting=agenda_item.meeting, item=agenda_item
        )
        return agenda_item

    return run


@pytest.fixture
def secret_item(
    meeting: Meeting,
    secretary: Any,
    notify: Callable[[Meeting], Meeting],
    chair: Any,
    voters: list[Any],
    present: Callable[..., Connection],
    make_current: Callable[[AgendaItem], AgendaItem],
) -> AgendaItem:
    """A secret item (R43), current, in an open meeting with six voters present."""
    agenda_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="แต่งตั้งผู้อำนวยการ", is_secret=True
    )
    notify(meeting)
    for user in voters[:6]:
        present(user, meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    return make_current(agenda_item)


@pytest.fixture
def make_poll(chair: Any) -> Callable[..., Poll]:
    """``make_poll(item, kind=..., options=[...], open=True)`` through the services."""

    def run(
        agenda_item: AgendaItem,
        *,
        kind: str = "motion",
        question: str = "อนุมัติตามที่เสนอหรือไม่",
        options: list[str] | None = None,
        max_choices: int = 1,
        secret: bool | None = None,
        open: bool = True,
        actor: Any = None,
    ) -> Poll:
        poll = polls.create_poll(
            actor=actor or chair,
            item=agenda_item,
            kind=kind,
            question=question,
            options=options or [],
            max_choices=max_choices,
            secret=secret,
        )
        if open:
            poll = polls.open_poll(actor=actor or chair, poll=poll)
        return poll

    return run


def option_ids(poll: Poll) -> list[str]:
    return [str(o.pk) for o in poll.options.order_by("position")]


def seat_voters(meeting: Meeting, count: int, *, prefix: str = "v") -> list[Any]:
    """``count`` more voting members, identified (two factors) and connected now,
    written in bulk. For electorates too large to seat through the services."""
    tag = uuid.uuid4().hex[:6]
    users = [
        UserFactory.build(username=f"{prefix}{tag}{i:05d}", full_name=f"Voter {i:05d}")
        for i in range(count)
    ]
    for user in users:
        user.password = "!"  # unusable: nobody logs in as these
    users = type(users[0]).objects.bulk_create(users)
    Membership.objects.bulk_create(
        Membership(
            committee=meeting.committee, user=u, role=Role.MEMBER, is_voting=True
        )
        for u in users
    )
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
            channel_name=f"bulk!{u.username}",
            session_hash="0" * 64,
            auth_method="second_factor:totp",
            server_node="bench",
            mode=LocationKind.REMOTE,
            connected_at=now,
        )
        for u, c in zip(users, checks, strict=True)
    )
    return users


@pytest.fixture
def extra_member(committee: Committee) -> Any:
    """A seventh ordinary member (nine voting members in all)."""
    return MembershipFactory(
        committee=committee,
        role=Role.MEMBER,
        user=UserFactory(username="member7", full_name="กรรมการ คนที่7"),
    ).user


@pytest.fixture
def leave() -> Callable[[Any, Meeting], None]:
    """``leave(user, meeting)``: every open socket of the person closes (``left``)."""

    def run(user: Any, meeting: Meeting) -> None:
        for c in Connection.objects.filter(
            meeting=meeting, user=user, disconnected_at__isnull=True
        ):
            room_connections.close_connection(connection_id=c.pk, reason="left")

    return run


def refusal(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return str(excinfo.value.code)


def run_in_threads(
    task: Callable[[Any], Any], items: list[Any], *, workers: int
) -> list[tuple[Any, BaseException | None]]:
    """Run ``task(item)`` for every item on ``workers`` threads, each with its own
    database connection, closed when the thread ends. Returns ``(result, error)`` per
    item, in the order of ``items``. All threads start together (a barrier)."""
    import queue
    import threading

    from django.db import connections

    jobs: queue.Queue[tuple[int, Any]] = queue.Queue()
    for index, item in enumerate(items):
        jobs.put((index, item))
    results: list[tuple[Any, BaseException | None]] = [(None, None)] * len(items)
    barrier = threading.Barrier(workers)

    def work() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    index, item = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = (task(item), None)
                except BaseException as exc:  # reported to the test
                    results[index] = (None, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def logged_in_en() -> Callable[..., Client]:
    """A client for ``user`` past both factors, in English."""

    def make(user: Any) -> Client:
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        session = client.session
        session["second_factor_ok"] = True
        session.save()
        return client

    return make


@pytest.fixture
def seat_in_room(secretary: Any) -> Callable[[Any, Meeting], Connection]:
    """``seat_in_room(user, meeting)``: signed in at the room by the secretary."""
    return lambda user, meeting: seat(user, meeting, by=secretary)


@pytest.fixture
def hybrid_room(
    room: Meeting, voters: list[Any], seat_in_room: Callable[[Any, Meeting], Any]
) -> Meeting:
    """``room`` with member5 and member6 (away from their devices) signed in at the
    meeting room: eight voting members present, two of them in the room only.

    ``room`` was noticed as an electronic meeting; here it has a room (as if it had
    been noticed as hybrid), since only a meeting with a room has people in it."""
    Meeting.objects.filter(pk=room.pk).update(
        mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"
    )
    room.refresh_from_db()
    for user in voters[6:]:
        seat_in_room(user, room)
    return room
