"""Is a meeting within the Emergency Decree at all? (Decree s.5, s.6 para 2; R1-R3)

Decree s.5(1)-(3) excludes parliament, court-judgment and procurement meetings outright;
s.5(4) and s.6 para 2 let ministerial regulations exclude further meeting types and
agenda subjects, kept here as a dated deny-list (none issued by 2021; legal.md §D.14).
NCPO 74/2557 is believed to have had the same exclusions [I]: they apply on every date.

Subjects are matched as tags, not free text: an agenda item carries subject codes and a
deny-list entry names one; the match ignores case and surrounding spaces.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from prachum.domain.reasons import DECREE_S5, DECREE_S5_4, DECREE_S6_P2
from prachum.domain.thai_dates import bangkok_date


class MeetingCategory(StrEnum):
    REGULAR = "regular"
    PARLIAMENT = "parliament"
    COURT_JUDGMENT = "court_judgment"
    PROCUREMENT = "procurement"
    OTHER = "other"


DECREE_S5_EXCLUSIONS: Mapping[str, str] = MappingProxyType(
    {
        MeetingCategory.PARLIAMENT: f"{DECREE_S5}(1)",
        MeetingCategory.COURT_JUDGMENT: f"{DECREE_S5}(2)",
        MeetingCategory.PROCUREMENT: f"{DECREE_S5}(3)",
    }
)


@dataclass(frozen=True)
class DenyListEntry:
    """A ministerial-regulation exclusion; ``valid_to`` is the last day (inclusive)."""

    kind: Literal["category", "subject"]
    value: str
    valid_from: date
    valid_to: date | None
    source: str

    def in_force_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


@dataclass(frozen=True)
class ScopeDecision:
    allowed: bool
    code: str
    clause: str
    matched: str | None = None


def _norm(s: str) -> str:
    return s.strip().casefold()


def check_scope(
    *,
    category: str,
    on: date,
    subjects: Sequence[str] = (),
    deny_list: Sequence[DenyListEntry] = (),
) -> ScopeDecision:
    """May this meeting be held electronically on ``on``? Decree s.5(1)-(3) first
    (``DECREE_S5_EXCLUDED``), then deny-list categories under s.5(4) and subjects under
    s.6 para 2 (``DENY_LIST_EXCLUDED``), else ``IN_SCOPE``."""
    day = bangkok_date(on)
    wanted = _norm(category)
    if wanted in DECREE_S5_EXCLUSIONS:
        return ScopeDecision(
            False, "DECREE_S5_EXCLUDED", DECREE_S5_EXCLUSIONS[wanted], wanted
        )
    tags = {_norm(s) for s in subjects}
    for entry in deny_list:
        if not entry.in_force_on(day):
            continue
        value = _norm(entry.value)
        if entry.kind == "category" and value == wanted:
            clause = f"{DECREE_S5_4}; {entry.source}"
            return ScopeDecision(False, "DENY_LIST_EXCLUDED", clause, entry.value)
        if entry.kind == "subject" and value in tags:
            clause = f"{DECREE_S6_P2}; {entry.source}"
            return ScopeDecision(False, "DENY_LIST_EXCLUDED", clause, entry.value)
    return ScopeDecision(True, "IN_SCOPE", DECREE_S5)
