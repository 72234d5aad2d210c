"""Which law governed an electronic meeting on a given day (Decree ss.2-3, s.12, s.13).

Three regimes follow each other (legal.md §0.2, R71, R72):

* up to 18 April 2020: NCPO Announcement 74/2557 with the ICT 2557 security standard;
* 19 April to 26 May 2020: the Emergency Decree, the ICT 2557 standard kept by s.12;
* from 27 May 2020: the Decree with the MDES 2563 standard.

``valid_to`` is the last day in force (inclusive). The legacy flags are used by the
quorum rule (R7, R8) and by :func:`check_secret_meeting` (R47).
"""

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from prachum.domain.errors import InvalidInputError
from prachum.domain.reasons import (
    DECREE_S2_S3,
    DECREE_S9_4,
    DECREE_S12,
    DECREE_S13,
    NCPO74,
)
from prachum.domain.thai_dates import bangkok_date


@dataclass(frozen=True)
class Regime:
    code: str
    law: str
    standard: str
    valid_from: date
    valid_to: date | None
    clause: str
    everyone_in_kingdom: bool = False
    co_located_fraction: Fraction | None = None  # share of the quorum in one room
    secret_meetings_allowed: bool = True

    @property
    def is_legacy(self) -> bool:
        return self.everyone_in_kingdom or self.co_located_fraction is not None

    def in_force_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


REGIMES: tuple[Regime, ...] = (
    Regime(
        code="NCPO74_ICT2557",
        law="NCPO Announcement No. 74/2557 (27 June 2557)",
        standard="ICT notification: e-meeting security standard B.E. 2557",
        valid_from=date(2014, 6, 27),
        valid_to=date(2020, 4, 18),
        clause=DECREE_S13,
        everyone_in_kingdom=True,
        co_located_fraction=Fraction(1, 3),
        secret_meetings_allowed=False,
    ),
    Regime(
        code="DECREE2563_ICT2557",
        law="Emergency Decree on Electronic Meetings B.E. 2563",
        standard="ICT e-meeting security standard B.E. 2557, kept by Decree s.12",
        valid_from=date(2020, 4, 19),
        valid_to=date(2020, 5, 26),
        clause=DECREE_S12,
    ),
    Regime(
        code="DECREE2563_MDES2563",
        law="Emergency Decree on Electronic Meetings B.E. 2563",
        standard="MDES notification: e-meeting security standard B.E. 2563",
        valid_from=date(2020, 5, 27),
        valid_to=None,
        clause=DECREE_S2_S3,
    ),
)


def regime_on(d: date) -> Regime:
    """Return the regime in force on ``d`` (Decree ss.2-3 and s.12; MDES 2563 in force
    27 May 2563). An aware datetime is taken on its Asia/Bangkok date. Before NCPO 74
    (27 June 2557) no law gave an electronic meeting legal effect: ``NO_REGIME``."""
    day = bangkok_date(d)
    for regime in REGIMES:
        if regime.in_force_on(day):
            return regime
    raise InvalidInputError("NO_REGIME", f"no e-meeting law was in force on {day}")


@dataclass(frozen=True)
class RegimeDecision:
    allowed: bool
    code: str
    clause: str
    regime: str


def check_secret_meeting(*, on: date) -> RegimeDecision:
    """May a secret meeting (การประชุมลับ) be held electronically on ``on``?
    Not under NCPO 74/2557 [S]; yes under the Decree, unrecorded (s.9(4)); R47."""
    regime = regime_on(on)
    if regime.secret_meetings_allowed:
        return RegimeDecision(True, "SECRET_MEETING_ALLOWED", DECREE_S9_4, regime.code)
    return RegimeDecision(False, "SECRET_MEETING_NOT_ALLOWED", NCPO74, regime.code)
