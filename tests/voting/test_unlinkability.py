"""After a secret poll nothing links a voter to a choice (ADR 0008; R27).

Nine voters cast one-of-nine ballots in a known order, each choosing a different
option (a secret permutation of the options, so neither the option order nor the cast
order gives anything away). Then every table is dumped in physical order (``rowid`` on
SQLite; ``ctid`` and ``xmin`` on PostgreSQL), with the evidence chain, the captured log
lines (SQL with parameters included) and the published events, and the test fails if:

* any row, log line or event holds a voter id together with some but not all of the
  options (one voter next to one choice is a link), or lists voters and options in the
  cast order;
* the ``SecretBallot`` rows lie in the cast order, or in the same order every run;
* a ballot table has a timestamp, a sequence, or rows left in the pending table.

Transactional: every service commits as in production, so physical order and ``xmin``
are those a database operator would see.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, models

from prachum.attendance.models import Connection
from prachum.evidence.models import EvidenceEvent
from prachum.meetings import services as meeting_services
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.room.state import room_group
from prachum.voting import ballots, paper_ballots, polls, room_ballots
from prachum.voting.models import (
    CommitteeVotingRule,
    PendingSecretBallot,
    Poll,
    SecretBallot,
    VoteParticipation,
)
from tests.voting.conftest import option_ids
from tests.voting.room_presence import seat

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 3
OPTIONS = [f"ผู้สมัคร {n}" for n in "กขคงจฉชซฌ"]


@pytest.fixture
def nine(
    meeting: Meeting,
    secretary: Any,
    chair: Any,
    voters: list[Any],
    extra_member: Any,
    notify: Callable[[Meeting], Meeting],
    present: Callable[..., Connection],
) -> tuple[AgendaItem, list[Any]]:
    # Nine different choices tie nine ways; without a casting vote the poll simply
    # closes (a casting vote is the chair's open vote, linked by design).
    CommitteeVotingRule.objects.create(committee=meeting.committee, casting_vote=False)
    item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เลือกประธานอนุกรรมการ", is_secret=True
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"
    )
    meeting.refresh_from_db()
    notify(meeting)
    people = [*voters, extra_member]
    for person in people:
        present(person, meeting)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    return item, people


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def sql_log() -> Iterator[_Records]:
    """Every log record at DEBUG, including each SQL statement with its parameters
    (a handler of its own: the run may have pytest's logging plugin switched off)."""
    handler = _Records()
    root = logging.getLogger()
    db_logger = logging.getLogger("django.db.backends")
    levels = (root.level, db_logger.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    db_logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    try:
        yield handler
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        root.setLevel(levels[0])
        db_logger.setLevel(levels[1])


def _forms(value: Any) -> tuple[str, ...]:
    """How a UUID may appear: with dashes (JSON, PostgreSQL) or as 32 hex (SQLite)."""
    value = uuid.UUID(str(value))
    return (str(value), value.hex)


def _dump(table: str) -> list[str]:
    """Every row of ``table`` in physical order, as text."""
    quoted = connection.ops.quote_name(table)
    if connection.vendor == "postgresql":
        sql = f"SELECT ctid, xmin, * FROM {quoted} ORDER BY ctid"
    else:
        sql = f"SELECT rowid, * FROM {quoted} ORDER BY rowid"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [
            " ".join(
                bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v)
                for v in row
            )
            for row in cursor.fetchall()
        ]


class Linker:
    """Finds voter ids and option ids in a text and says whether they link."""

    def __init__(self, voters: list[Any], options: list[Any], cast: list[int]) -> None:
        self.voters = [_forms(v.pk) for v in voters]
        self.options = [_forms(o) for o in options]
        self.cast = cast  # cast[i] = the option index voter i chose

    @staticmethod
    def _first(text: str, forms: tuple[str, ...]) -> int:
        hits = [text.find(f) for f in forms if f in text]
        return min(hits) if hits else -1

    def links(self, text: str) -> bool:
        voter_at = [self._first(text, f) for f in self.voters]
        option_at = [self._first(text, f) for f in self.options]
        seen_voters = [i for i, at in enumerate(voter_at) if at >= 0]
        seen_options = [i for i, at in enumerate(option_at) if at >= 0]
        if not seen_voters or not seen_options:
            return False
        if len(seen_options) < len(self.options):
            return True  # a voter next to a subset of the choices
        if len(seen_voters) < 2:
            return False  # one voter (say the chair who opened it) and every option
        by_voter = sorted(seen_voters, key=lambda i: voter_at[i])
        by_option = sorted(seen_options, key=lambda i: option_at[i])
        return [self.cast[i] for i in by_voter] == by_option[: len(by_voter)]


def _physical_choices(poll: Poll, options: list[str]) -> list[int]:
    table = connection.ops.quote_name(SecretBallot._meta.db_table)
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    poll_id = Poll._meta.pk.get_db_prep_value(poll.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT choice FROM {table} WHERE poll_id = %s ORDER BY {order}",
            [poll_id],
        )
        rows = [r[0] for r in cursor.fetchall()]
    return [options.index(re.findall(r"[0-9a-f-]{36}", str(r))[0]) for r in rows]


def test_ballot_tables_have_no_time_no_sequence_and_no_voter() -> None:
    for model in (SecretBallot, PendingSecretBallot, VoteParticipation):
        fields = model._meta.get_fields()
        assert not any(
            isinstance(f, models.DateTimeField | models.DateField) for f in fields
        ), model
        assert isinstance(model._meta.pk, models.UUIDField), model
        assert not any(
            isinstance(
                f, models.AutoField | models.BigAutoField | models.SmallAutoField
            )
            for f in fields
        ), model
    for model in (SecretBallot, PendingSecretBallot):
        assert "voter" not in {f.name for f in model._meta.get_fields()}, model


def _secret_polls(
    item: AgendaItem, people: list[Any], chair: Any, runs: int
) -> tuple[list[Linker], list[tuple[int, ...]]]:
    """``runs`` secret one-of-nine polls, each voter choosing a different option in a
    random assignment; returns a linker per poll and the stored physical orders."""
    physical_orders = []
    linkers = []
    for _ in range(runs):
        poll = polls.create_poll(
            actor=chair, item=item, kind="one_of_n", question="เลือก", options=OPTIONS
        )
        poll = polls.open_poll(actor=chair, poll=poll)
        assert poll.is_secret
        options = option_ids(poll)
        cast = list(range(9))
        secrets.SystemRandom().shuffle(cast)
        for voter, index in zip(people, cast, strict=True):
            ballots.cast_ballot(voter=voter, poll=poll, choice=[options[index]])
        poll = polls.close_poll(actor=chair, poll=poll)
        assert poll.tally["counts"] == dict.fromkeys(options, 1)
        assert poll.outcome == "TIE_NO_CASTING_VOTE"
        assert poll.ballots_cast == 9
        assert not PendingSecretBallot.objects.exists()

        stored = _physical_choices(poll, options)
        assert sorted(stored) == list(range(9))
        assert stored != cast, "secret ballots lie in the cast order"
        physical_orders.append(tuple(stored))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(DISTINCT xmin::text) FROM voting_secretballot "
                    "WHERE poll_id = %s",
                    [poll.pk],
                )
                assert cursor.fetchone()[0] == 1  # one transaction wrote them all
        linkers.append(Linker(people, options, cast))
    return linkers, physical_orders


def _leaks(
    linkers: list[Linker], records: list[logging.LogRecord], events: list[Any]
) -> list[tuple[str, str]]:
    """Every table in physical order, the evidence, the log lines and the events."""
    texts: list[tuple[str, str]] = []
    for table in connection.introspection.table_names():
        texts += [(f"table {table}", row) for row in _dump(table)]
    texts += [
        (f"evidence #{e.seq} {e.kind}", str(e.payload))
        for e in EvidenceEvent.objects.order_by("chain", "seq")
    ]
    texts += [("log", r.getMessage()) for r in records]
    texts += [("event", str(e)) for e in events]
    assert any("voting_secretballot" in t for _, t in texts)  # the SQL log is there
    return [
        (where, text[:300])
        for where, text in texts
        for linker in linkers
        if linker.links(text)
    ]


def test_nothing_links_a_voter_to_a_choice_after_a_secret_poll(
    nine: tuple[AgendaItem, list[Any]],
    chair: Any,
    sql_log: _Records,
    listen: Callable[[str], Any],
) -> None:
    item, people = nine
    listener = listen(room_group(item.meeting_id))
    linkers, physical_orders = _secret_polls(item, people, chair, RUNS)
    assert len(set(physical_orders)) > 1, "the shuffle gives the same order every run"
    assert _leaks(linkers, sql_log.records, listener.events()) == []


def test_the_dump_would_catch_a_service_that_logged_a_choice(
    nine: tuple[AgendaItem, list[Any]],
    chair: Any,
    sql_log: _Records,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check is not blind: the same dump flags one careless log line."""
    real = ballots.cast_ballot

    def careless(*, voter: Any, poll: Poll, choice: Any) -> Any:
        logging.getLogger("prachum.voting").debug("ballot %s %s", voter.pk, choice)
        return real(voter=voter, poll=poll, choice=choice)

    monkeypatch.setattr(ballots, "cast_ballot", careless)
    item, people = nine
    linkers, _ = _secret_polls(item, people, chair, 1)
    leaks = _leaks(linkers, sql_log.records, [])
    assert len(leaks) == 9
    assert all(where == "log" for where, _ in leaks)


def test_the_linker_finds_the_links_it_is_meant_to_find() -> None:
    """The detector itself: a row with one voter and one choice is a link."""
    voters = [type("U", (), {"pk": uuid.uuid4()})() for _ in range(3)]
    options = [uuid.uuid4() for _ in range(3)]
    linker = Linker(voters, options, cast=[2, 0, 1])
    assert linker.links(f"{voters[0].pk} chose {options[2]}")
    assert linker.links(f"{voters[1].pk.hex}|{options[0].hex}")
    assert not linker.links(f"{voters[1].pk} voted")
    assert not linker.links(
        f"opened by {voters[0].pk}: {options[0]} {options[1]} {options[2]}"
    )
    in_cast_order = f"{voters[0].pk} {voters[1].pk} {voters[2].pk} {options[2]} {options[0]} {options[1]}"
    assert linker.links(in_cast_order)


@pytest.fixture
def nine_in_a_hybrid_room(
    meeting: Meeting,
    secretary: Any,
    chair: Any,
    voters: list[Any],
    extra_member: Any,
    notify: Callable[[Meeting], Meeting],
    present: Callable[..., Connection],
) -> tuple[AgendaItem, list[Any]]:
    """Nine voters: six on their own devices, three signed in at the meeting room."""
    CommitteeVotingRule.objects.create(committee=meeting.committee, casting_vote=False)
    item = meeting_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="เลือกประธานอนุกรรมการ"
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"
    )
    meeting.refresh_from_db()
    notify(meeting)
    people = [*voters, extra_member]
    for person in people[:6]:
        present(person, meeting)
    for person in people[6:]:
        seat(person, meeting, by=secretary)
    room_lifecycle.open_meeting(actor=chair, meeting=meeting)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    return item, people


def test_nothing_links_a_room_voter_to_a_choice_after_a_secret_poll(
    nine_in_a_hybrid_room: tuple[AgendaItem, list[Any]],
    chair: Any,
    secretary: Any,
    sql_log: _Records,
    listen: Callable[[str], Any],
) -> None:
    """Two members vote at the room ballot terminal and one on paper (a batch of one,
    which the record must not give away): the same dump finds no link."""
    item, people = nine_in_a_hybrid_room
    listener = listen(room_group(item.meeting_id))
    poll = polls.create_poll(
        actor=chair,
        item=item,
        kind="one_of_n",
        question="เลือก",
        options=OPTIONS,
        secret=True,
    )
    poll = polls.open_poll(actor=chair, poll=poll)
    assert poll.eligible_count == 9
    options = option_ids(poll)
    cast = list(range(9))
    secrets.SystemRandom().shuffle(cast)
    for voter, index in zip(people[:6], cast[:6], strict=True):
        ballots.cast_ballot(voter=voter, poll=poll, choice=[options[index]])
    for voter, index in zip(people[6:8], cast[6:8], strict=True):
        room_ballots.unlock_terminal(actor=secretary, poll=poll, voter=voter)
        claimed = room_ballots.claim_terminal(actor=secretary, meeting=item.meeting)
        assert claimed is not None
        room_ballots.cast_at_terminal(
            actor=secretary, poll=poll, token=claimed[1], choice=[options[index]]
        )
    paper_ballots.record_paper_batch(
        actor=secretary,
        poll=poll,
        tellers=[chair, secretary],
        voters=[people[8]],
        counts={options[cast[8]]: 1},
    )
    poll = polls.close_poll(actor=chair, poll=poll)
    assert poll.tally["counts"] == dict.fromkeys(options, 1)
    assert poll.channels == {"device": 6, "hands": 0, "terminal": 2, "paper": 1}
    assert not PendingSecretBallot.objects.exists()
    linkers = [Linker(people, options, cast)]
    assert _leaks(linkers, sql_log.records, listener.events()) == []
