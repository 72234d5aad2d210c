from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from prachum.domain.errors import DomainError
from prachum.domain.regimes import REGIMES, check_secret_meeting, regime_on


@pytest.mark.parametrize(
    ("day", "code"),
    [
        # R72: the three figures from the issue
        (date(2020, 4, 18), "NCPO74_ICT2557"),
        (date(2020, 5, 1), "DECREE2563_ICT2557"),
        (date(2020, 6, 1), "DECREE2563_MDES2563"),
        # Boundaries: Decree in force on publication, 19 April 2020 (s.2); MDES 2563
        # standard in force 27 May 2020; NCPO 74 dated 27 June 2014.
        (date(2014, 6, 27), "NCPO74_ICT2557"),
        (date(2020, 4, 19), "DECREE2563_ICT2557"),
        (date(2020, 5, 26), "DECREE2563_ICT2557"),
        (date(2020, 5, 27), "DECREE2563_MDES2563"),
        (date(2026, 1, 1), "DECREE2563_MDES2563"),
    ],
)
def test_regime_on_maps_dates_to_the_law_in_force(day, code):
    assert regime_on(day).code == code


def test_regime_on_takes_an_aware_datetime_on_its_bangkok_date():
    # 17:30 UTC on 18 April is 00:30 on 19 April in Bangkok: the Decree applies.
    assert regime_on(datetime(2020, 4, 18, 17, 30, tzinfo=UTC)).code == (
        "DECREE2563_ICT2557"
    )
    assert regime_on(datetime(2020, 4, 18, 16, 59, tzinfo=UTC)).code == "NCPO74_ICT2557"


def test_regime_on_rejects_a_naive_datetime():
    with pytest.raises(DomainError) as err:
        regime_on(datetime(2020, 4, 18, 12, 0))
    assert err.value.code == "NAIVE_DATETIME"


def test_no_regime_before_ncpo_74():
    with pytest.raises(DomainError) as err:
        regime_on(date(2014, 6, 26))
    assert err.value.code == "NO_REGIME"


def test_regimes_follow_each_other_without_gap_or_overlap():
    for earlier, later in pairwise(REGIMES):
        assert earlier.valid_to is not None
        assert earlier.valid_to + timedelta(days=1) == later.valid_from
    assert REGIMES[-1].valid_to is None


def test_only_the_ncpo_regime_carries_the_legacy_conditions():
    legacy = regime_on(date(2020, 4, 18))
    assert legacy.is_legacy
    assert legacy.everyone_in_kingdom
    assert legacy.co_located_fraction == pytest.approx(1 / 3)
    for d in (date(2020, 5, 1), date(2020, 6, 1)):
        regime = regime_on(d)
        assert not regime.is_legacy
        assert regime.secret_meetings_allowed


@pytest.mark.parametrize(
    ("day", "allowed", "code"),
    [
        (date(2020, 4, 10), False, "SECRET_MEETING_NOT_ALLOWED"),  # R47
        (date(2020, 4, 19), True, "SECRET_MEETING_ALLOWED"),  # Decree s.9(4)
    ],
)
def test_check_secret_meeting(day, allowed, code):
    decision = check_secret_meeting(on=day)
    assert (decision.allowed, decision.code) == (allowed, code)
    assert decision.clause
