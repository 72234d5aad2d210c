"""Incidents in the minutes as plain sentences (R42; MDES e-meeting security standard
B.E. 2563 cl.5(7): failures are reported, time-stamped and kept with the meeting;
Decree s.9(3) with Saraban Regulation B.E. 2526 clause 25: the minutes record what
happened at the meeting).

An incident's facts (what failed, when, until when, whether a vote was open meanwhile,
how many people were affected) become a sentence as a sequence of :class:`Part` codes
with their figures. The wording of each part is the caller's (the minutes layer keeps
one Thai template per code in the translation catalogue); the raw technical detail
(error text, server names, counts as stored) is not part of a sentence and belongs in
the minutes' technical annex only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class IncidentCode(StrEnum):
    """Every incident the system can write, as the minutes distinguish them."""

    MEDIA_SERVER_DOWN = "media_server_down"
    MEDIA_ROOM_FAILED = "media_room_failed"
    MEDIA_NOT_RECORDING = "media_not_recording"
    CONNECTION_LOST = "connection_lost"
    QUORUM_LOST = "quorum_lost"
    QUORUM_REGAINED = "quorum_regained"
    CLOCK_UNSYNCED = "clock_unsynced"
    REPORTED = "reported"
    RECORDINGS_NOT_PROCESSED = "recordings_not_processed"
    TSA_UNREACHABLE = "tsa_unreachable"
    OTHER = "other"


# The code at the start of an automatic incident's description (see prachum.room.media
# and prachum.archive.recordings, which write them).
_DESCRIPTION_PREFIXES: dict[str, IncidentCode] = {
    "MEDIA_SERVER_DOWN": IncidentCode.MEDIA_SERVER_DOWN,
    "MEDIA_ROOM_FAILED": IncidentCode.MEDIA_ROOM_FAILED,
    "MEDIA_NOT_RECORDING": IncidentCode.MEDIA_NOT_RECORDING,
    "MEDIA_LOST": IncidentCode.CONNECTION_LOST,
    "recordings not processed": IncidentCode.RECORDINGS_NOT_PROCESSED,
}

# Kinds that last: the sentence says when the service came back (or that it had not
# by the end of the meeting) and whether a vote was open in between.
LASTING: frozenset[IncidentCode] = frozenset(
    {
        IncidentCode.MEDIA_SERVER_DOWN,
        IncidentCode.CONNECTION_LOST,
        IncidentCode.QUORUM_LOST,
    }
)


def classify(kind: str, description: str) -> IncidentCode:
    """The code of a stored incident: its kind, refined by the code its description
    starts with; an unknown kind is :attr:`IncidentCode.OTHER`."""
    for prefix, code in _DESCRIPTION_PREFIXES.items():
        if description.startswith(prefix):
            return code
    try:
        return IncidentCode(kind)
    except ValueError:
        return IncidentCode.OTHER


@dataclass(frozen=True)
class IncidentFacts:
    """What the minutes say about one incident; times are display text already."""

    code: IncidentCode
    start: str
    end: str | None = None  # when it was over; None: still open at the close
    polls_open: tuple[str, ...] = ()  # questions of votes open in between
    affected: int = 0  # people affected (connected at the time), 0: not counted
    subject: str = ""  # the person concerned (connection lost, reported by)
    report: str = ""  # the reporter's own words (reported incidents)
    handled: str | None = None  # when the chair recorded its handling
    handling: str = ""  # the chair's own words on the handling
    counted: int | None = None  # quorum: members present
    required: int | None = None  # quorum: members required


@dataclass(frozen=True)
class Part:
    """One clause of a sentence: a template code and its figures."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)


def sentence_parts(facts: IncidentFacts) -> tuple[Part, ...]:
    """The clauses of the incident's sentence, in order (R42)."""
    parts = [
        Part(
            f"start.{facts.code}",
            {"start": facts.start, "subject": facts.subject, "report": facts.report},
        )
    ]
    if facts.counted is not None and facts.required is not None:
        parts.append(
            Part("quorum", {"counted": facts.counted, "required": facts.required})
        )
    if facts.affected:
        parts.append(Part("affected", {"count": facts.affected}))
    if facts.code in LASTING:
        if facts.end is None:
            parts.append(Part(f"open.{facts.code}"))
        else:
            parts.append(Part(f"end.{facts.code}", {"end": facts.end}))
        if facts.polls_open:
            parts.append(Part("votes.open", {"questions": ", ".join(facts.polls_open)}))
        else:
            parts.append(Part("votes.none"))
    if facts.handled is not None:
        parts.append(Part("handled", {"at": facts.handled, "handling": facts.handling}))
    return tuple(parts)


def part_codes() -> frozenset[str]:
    """Every clause code :func:`sentence_parts` can produce (for completeness tests)."""
    codes = {f"start.{c}" for c in IncidentCode}
    codes |= {f"open.{c}" for c in LASTING} | {f"end.{c}" for c in LASTING}
    return frozenset(
        codes | {"quorum", "affected", "votes.open", "votes.none", "handled"}
    )
