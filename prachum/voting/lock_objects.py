"""Row locks for voting, always taken in this order: room → poll → evidence chain head.

``ballots.cast_ballot`` takes only a *shared* lock on the poll (many ballots in
parallel); ``polls.open_poll``/``close_poll``/``cast_deciding_vote`` take the room
(through ``room.state``) and then the poll ``FOR UPDATE``, which waits for
ballots in flight and holds new ones until the close commits — so no ballot can commit
between unsealing and the close (docs/adr/0008 §4).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connection

from prachum.attendance.models import CheckMethod, IdentityCheck, Removal
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting.models import EligibleVoter, Poll, VoteParticipation


def lock_poll(poll_id: Any) -> Poll:
    """The poll, locked ``FOR UPDATE`` (lifecycle changes)."""
    return (
        Poll.objects.select_for_update(of=("self",))
        .select_related("meeting__committee", "item")
        .get(pk=poll_id)
    )


class BallotContext(NamedTuple):
    """What ``cast_ballot`` needs to know, read under the poll's share lock."""

    poll_id: Any
    meeting_id: Any
    status: str
    meeting_status: str
    kind: str
    max_choices: int
    is_secret: bool
    box_id: str
    eligible_count: int
    voter_eligible: bool
    voter_has_voted: bool
    voter_identified: bool
    cast_before: int


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _ballot_sql() -> str:
    """One statement for everything a ballot checks (the hot path: one round trip, no
    query compilation). ``voter_identified`` is ``attendance.selectors.current_check``
    is not None, as a condition: not removed, and an unrevoked identity check — with
    two factors on a secret meeting or item (R15); tests pin the two together."""
    lock = " FOR SHARE OF p" if connection.vendor == "postgresql" else ""
    return f"""
        SELECT p.id, p.meeting_id, p.status, m.status, p.kind, p.max_choices,
               p.is_secret, p.box_id, p.eligible_count,
               EXISTS (SELECT 1 FROM {_table(EligibleVoter)} e
                       WHERE e.poll_id = p.id AND e.voter_id = %s),
               EXISTS (SELECT 1 FROM {_table(VoteParticipation)} v
                       WHERE v.poll_id = p.id AND v.voter_id = %s),
               (NOT EXISTS (SELECT 1 FROM {_table(Removal)} r
                            WHERE r.meeting_id = p.meeting_id AND r.user_id = %s
                              AND r.readmitted_at IS NULL)
                AND EXISTS (SELECT 1 FROM {_table(IdentityCheck)} c
                            WHERE c.meeting_id = p.meeting_id AND c.user_id = %s
                              AND c.revoked_at IS NULL
                              AND (NOT (m.is_secret OR i.is_secret)
                                   OR (c.method = %s AND c.factors >= 2)))),
               (SELECT COUNT(*) FROM {_table(VoteParticipation)} n
                WHERE n.poll_id = p.id)
        FROM {_table(Poll)} p
        JOIN {_table(Meeting)} m ON m.id = p.meeting_id
        JOIN {_table(AgendaItem)} i ON i.id = p.item_id
        WHERE p.id = %s{lock}
    """  # table names come from the models; every value is a parameter


def share_poll(poll_id: Any, *, voter: Any) -> BallotContext | None:
    """Lock the poll ``FOR SHARE`` (ballots) and read what a ballot checks, for
    ``voter``. Django has no ``FOR SHARE`` in the ORM, hence the raw statement; SQLite
    has no row locks and serialises writers on the database instead."""
    uuid_field = Poll._meta.pk
    assert uuid_field is not None
    poll = uuid_field.get_db_prep_value(poll_id, connection)
    user = voter._meta.pk.get_db_prep_value(voter.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _ballot_sql(), [user, user, user, user, CheckMethod.SECOND_FACTOR, poll]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return BallotContext(
        poll_id=uuid_field.to_python(row[0]),
        meeting_id=uuid_field.to_python(row[1]),
        status=row[2],
        meeting_status=row[3],
        kind=row[4],
        max_choices=row[5],
        is_secret=bool(row[6]),
        box_id=row[7],
        eligible_count=row[8] or 0,
        voter_eligible=bool(row[9]),
        voter_has_voted=bool(row[10]),
        voter_identified=bool(row[11]),
        cast_before=row[12],
    )
