"""Who is elected in a one-of-N or up-to-k-of-N poll. Pure Python, no Django.

``prachum.domain.majority.tally_choices`` counts these polls; this module decides who is
chosen:

* plurality: the ``seats`` options with the most selections are chosen; an option with
  no selection is never chosen [I: the usual practice for elections in Thai committees;
  a body whose own rule requires an absolute majority of votes for an election is not
  covered];
* a tie for the last seat(s) is settled by the chair's casting vote where the body's
  rule gives one (APA s.82 [I]), as a separate recorded step, exactly as for motions:
  ``TIE_NEEDS_CASTING_VOTE`` first, then the call again with ``casting``;
  without a casting vote the tied seats stay unfilled (``TIE_NO_CASTING_VOTE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prachum.domain.errors import InvalidInputError
from prachum.domain.majority import MajorityRule


@dataclass(frozen=True)
class ElectionDecision:
    winners: tuple[str, ...]
    tied: tuple[str, ...]
    seats_open: int
    needs_casting_vote: bool
    code: str
    clause: str
    detail: str


def decide_choices(
    *,
    counts: Mapping[str, int],
    seats: int,
    rule: MajorityRule,
    casting: Sequence[str] | None = None,
) -> ElectionDecision:
    """Codes: ``CHOSEN``, ``NO_VOTES_CAST``, ``TIE_NEEDS_CASTING_VOTE``,
    ``TIE_CASTING_VOTE``, ``TIE_NO_CASTING_VOTE``. ``counts`` keeps the poll's option
    order, which orders ``winners`` and ``tied`` among equals."""
    if seats < 1:
        raise InvalidInputError("SEATS_INVALID", f"{seats}")
    order = list(counts)
    detail = "; ".join(f"{o}: {counts[o]}" for o in order) + f"; {seats} to choose"
    ranked = sorted((o for o in order if counts[o] > 0), key=lambda o: -counts[o])
    if not ranked:
        if casting is not None:
            raise InvalidInputError("CASTING_VOTE_NOT_ALLOWED", detail)
        return ElectionDecision((), (), 0, False, "NO_VOTES_CAST", rule.source, detail)
    if len(ranked) <= seats:
        if casting is not None:
            raise InvalidInputError("CASTING_VOTE_NOT_ALLOWED", detail)
        return ElectionDecision(
            tuple(ranked), (), 0, False, "CHOSEN", rule.source, detail
        )
    cutoff = counts[ranked[seats - 1]]
    sure = tuple(o for o in ranked if counts[o] > cutoff)
    tied = tuple(o for o in ranked if counts[o] == cutoff)
    open_seats = seats - len(sure)
    if len(tied) <= open_seats:  # everyone at the cutoff fits
        if casting is not None:
            raise InvalidInputError("CASTING_VOTE_NOT_ALLOWED", detail)
        return ElectionDecision(
            sure + tied, (), 0, False, "CHOSEN", rule.source, detail
        )
    if not rule.casting_vote:
        if casting is not None:
            raise InvalidInputError("CASTING_VOTE_NOT_ALLOWED", detail)
        return ElectionDecision(
            sure, tied, open_seats, False, "TIE_NO_CASTING_VOTE", rule.source, detail
        )
    if casting is None:
        return ElectionDecision(
            sure, tied, open_seats, True, "TIE_NEEDS_CASTING_VOTE", rule.source, detail
        )
    chosen = list(casting)
    if (
        len(chosen) != open_seats
        or len(set(chosen)) != len(chosen)
        or not set(chosen) <= set(tied)
    ):
        raise InvalidInputError(
            "CASTING_VOTE_INVALID", f"choose {open_seats} of the tied options"
        )
    picked = tuple(o for o in tied if o in chosen)
    detail += "; casting vote " + ", ".join(picked)
    return ElectionDecision(
        sure + picked, tied, 0, False, "TIE_CASTING_VOTE", rule.source, detail
    )
