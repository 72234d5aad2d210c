"""Notice period (APA s.80; R12): calendar days in Asia/Bangkok."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from prachum.domain.errors import DomainError
from prachum.domain.notice import NoticeRule, check_notice, earliest_opening

BKK = timezone(timedelta(hours=7))  # Thailand has kept UTC+7 without DST since 1920
MEETING = datetime(2025, 6, 4, 10, 0, tzinfo=BKK)
APA = NoticeRule()


def sent(day, hour=9):
    return datetime(2025, 6, day, hour, 0, tzinfo=BKK)


@pytest.mark.parametrize(
    ("sent_at", "ok", "days"),
    [
        (sent(1), True, 3),  # sent on the 1st for the 4th: three days
        (sent(1, 23), True, 3),  # the hour does not matter
        (sent(2, 0), False, 2),
        (datetime(2025, 5, 31, 8, 0, tzinfo=BKK), True, 4),
        (sent(4, 8), False, 0),  # the same morning
    ],
)
def test_three_days_notice(sent_at, ok, days):
    decision = check_notice(meeting_at=MEETING, sent_at=sent_at, rule=APA)
    assert (decision.ok, decision.days_before) == (ok, days)
    assert decision.code == ("NOTICE_OK" if ok else "NOTICE_TOO_SHORT")
    assert decision.clause == "APA B.E. 2539 s.80"


def test_days_are_counted_on_the_bangkok_calendar_not_utc():
    # 18:30 UTC on 31 May is 01:30 on 1 June in Bangkok; meeting 03:00 UTC on 4 June.
    # In UTC dates that is four days; in Bangkok, three.
    decision = check_notice(
        meeting_at=datetime(2025, 6, 4, 3, 0, tzinfo=UTC),
        sent_at=datetime(2025, 5, 31, 18, 30, tzinfo=UTC),
        rule=NoticeRule(min_days=4),
    )
    assert (decision.ok, decision.days_before) == (False, 3)


@pytest.mark.parametrize(
    ("urgent_reason", "informed", "ok", "code"),
    [
        ("Flood at the provincial hall", False, True, "NOTICE_URGENT"),
        ("   ", False, False, "NOTICE_TOO_SHORT"),  # a blank reason does not count
        ("", False, False, "NOTICE_TOO_SHORT"),
        (None, True, True, "NOTICE_INFORMED_AT_PREVIOUS_MEETING"),
        (None, False, False, "NOTICE_TOO_SHORT"),
    ],
)
def test_exceptions_to_the_notice_period(urgent_reason, informed, ok, code):
    decision = check_notice(
        meeting_at=MEETING,
        sent_at=sent(3),
        rule=APA,
        urgent_reason=urgent_reason,
        informed_at_previous_meeting=informed,
    )
    assert (decision.ok, decision.code, decision.days_before) == (ok, code, 1)


def test_a_bodys_own_period_replaces_three_days():
    rule = NoticeRule(min_days=7, source="Committee regulation clause 9")
    decision = check_notice(meeting_at=MEETING, sent_at=sent(1), rule=rule)
    assert (decision.ok, decision.clause) == (False, "Committee regulation clause 9")
    same_day = check_notice(meeting_at=MEETING, sent_at=sent(4, 8), rule=NoticeRule(0))
    assert same_day.ok


@pytest.mark.parametrize(
    ("meeting_at", "sent_at", "code"),
    [
        (datetime(2025, 6, 4, 10, 0), sent(1), "NAIVE_DATETIME"),
        (MEETING, datetime(2025, 6, 1, 9, 0), "NAIVE_DATETIME"),
        (MEETING, sent(4, 11), "NOTICE_AFTER_MEETING"),
    ],
)
def test_bad_times_are_refused(meeting_at, sent_at, code):
    with pytest.raises(DomainError) as err:
        check_notice(meeting_at=meeting_at, sent_at=sent_at, rule=APA)
    assert err.value.code == code


def test_a_negative_period_is_refused():
    with pytest.raises(DomainError) as err:
        NoticeRule(min_days=-1)
    assert err.value.code == "NOTICE_MIN_DAYS_NEGATIVE"


def test_the_chair_may_open_from_the_margin_before_the_noticed_start():
    assert earliest_opening(MEETING, margin_minutes=30) == datetime(
        2025, 6, 4, 9, 30, tzinfo=BKK
    )
    assert earliest_opening(MEETING, margin_minutes=0) == MEETING
    with pytest.raises(DomainError):
        earliest_opening(MEETING, margin_minutes=-1)
