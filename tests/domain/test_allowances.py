"""Meeting allowances (RD 2547 s.7; Decree s.10; R56-R62). Expected amounts are the
member rate times the premiums the sources give: chair +25% (member 1,000 -> 1,250)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prachum.domain.allowances import (
    AllowancePolicy,
    AllowanceRate,
    Attendee,
    MeetingAttendance,
    compute_allowances,
)
from prachum.domain.errors import DomainError
from prachum.domain.quorum import Role

PER_MEETING = AllowanceRate(
    "per_meeting", Decimal(1000), date(2021, 1, 1), None, "MOF 2564"
)
MONTHLY = AllowanceRate(
    "monthly", Decimal(6000), date(2021, 1, 1), None, "Cabinet 2555"
)

CHAIR = Attendee("chair", Role.CHAIR, identified=True)
VICE = Attendee("vice", Role.VICE_CHAIR, identified=True)
MEMBER = Attendee("m1", Role.MEMBER, identified=True)
DEFAULT = AllowancePolicy()


def meeting(meeting_id, day, *attendees, quorate=True, presiding_id=None):
    return MeetingAttendance(meeting_id, day, quorate, presiding_id, attendees)


def run(*meetings, rates=(PER_MEETING,), policy=DEFAULT):
    return compute_allowances(meetings=meetings, rates=rates, policy=policy)


def paid(result):
    return {(line.person_id, line.meeting_id): line.amount for line in result.lines}


def codes(result):
    return {line.person_id: line.reason_code for line in result.lines}


def test_chair_gets_a_quarter_more_than_a_member():  # R58
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, MEMBER))
    assert paid(result) == {("chair", "M1"): Decimal("1250.00"), ("m1", "M1"): 1000}
    assert codes(result) == {"chair": "ALLOWANCE_CHAIR", "m1": "ALLOWANCE_MEMBER"}
    assert result.total == Decimal("2250.00")
    assert result.warnings == ()


def test_chair_absent_vice_chair_presiding_gets_the_chairs_rate():  # R58
    absent_chair = Attendee("chair", Role.CHAIR, identified=False, attended=False)
    result = run(
        meeting("M1", date(2021, 3, 1), absent_chair, VICE, MEMBER, presiding_id="vice")
    )
    assert paid(result) == {
        ("chair", "M1"): 0,
        ("vice", "M1"): Decimal("1250.00"),
        ("m1", "M1"): 1000,
    }
    assert codes(result)["vice"] == "ALLOWANCE_PRESIDING"
    assert codes(result)["chair"] == "NOT_ATTENDED"


def test_a_member_elected_to_preside_gets_the_chairs_rate():
    result = run(meeting("M1", date(2021, 3, 1), VICE, MEMBER, presiding_id="m1"))
    assert paid(result)[("m1", "M1")] == Decimal("1250.00")
    assert paid(result)[("vice", "M1")] == 1000  # vice-chair premium 0 by default


def test_a_chair_who_attends_but_does_not_preside_is_paid_as_a_member():
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, VICE, presiding_id="vice"))
    assert paid(result) == {("chair", "M1"): 1000, ("vice", "M1"): Decimal("1250.00")}


def test_nobody_recorded_as_presiding_is_a_warning():
    result = run(meeting("M1", date(2021, 3, 1), VICE, MEMBER))
    assert set(paid(result).values()) == {Decimal("1000.00")}
    assert [w.code for w in result.warnings] == ["PRESIDING_NOT_RECORDED"]


def test_vice_chair_premium_is_configurable():
    policy = AllowancePolicy(vice_chair_premium=Decimal("0.125"))
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, VICE), policy=policy)
    assert paid(result)[("vice", "M1")] == Decimal("1125.00")


def test_per_meeting_allowance_month_with_two_meetings_pays_both():
    result = run(
        meeting("M1", date(2021, 3, 2), CHAIR, MEMBER),
        meeting("M2", date(2021, 3, 23), CHAIR, MEMBER),
    )
    assert sum(1 for line in result.lines if line.person_id == "m1") == 2
    assert result.total == 2 * (Decimal(1250) + Decimal(1000))


def test_monthly_allowance_month_with_two_meetings_pays_once():  # R59
    absent = Attendee("m1", Role.MEMBER, identified=False, attended=False)
    result = run(
        meeting("M1", date(2021, 3, 2), CHAIR, MEMBER),
        meeting("M2", date(2021, 3, 23), CHAIR, absent),
        meeting("M3", date(2021, 4, 6), CHAIR, absent),
        rates=(MONTHLY,),
    )
    monthly = [line for line in result.lines if line.reason_code == "ALLOWANCE_MONTHLY"]
    assert {(x.person_id, x.month, x.meeting_id, x.amount) for x in monthly} == {
        ("chair", date(2021, 3, 1), None, Decimal("7500.00")),
        ("m1", date(2021, 3, 1), None, Decimal("6000.00")),
        ("chair", date(2021, 4, 1), None, Decimal("7500.00")),
    }
    # m1 attended nothing in April: no April payment, only the zero lines saying why
    april = [x for x in result.lines if x.person_id == "m1" and x.meeting_id == "M3"]
    assert [(x.amount, x.reason_code) for x in april] == [(0, "NOT_ATTENDED")]
    assert result.total == Decimal(7500) * 2 + Decimal(6000)


def test_monthly_allowance_keeps_the_presiding_premium_of_the_month():
    result = run(
        meeting("M1", date(2021, 3, 2), VICE, MEMBER, presiding_id="vice"),
        meeting("M2", date(2021, 3, 23), CHAIR, VICE, MEMBER),
        rates=(MONTHLY,),
    )
    vice = [x for x in result.lines if x.person_id == "vice"]
    assert [(x.amount, x.month) for x in vice] == [(Decimal(7500), date(2021, 3, 1))]
    assert "M1, M2" in vice[0].detail


def test_a_rate_change_mid_month_applies_to_later_meetings():  # R57
    rates = (
        AllowanceRate(
            "per_meeting", Decimal(1000), date(2021, 1, 1), date(2021, 3, 14), "A"
        ),
        AllowanceRate("per_meeting", Decimal(1200), date(2021, 3, 15), None, "B"),
    )
    result = run(
        meeting("M1", date(2021, 3, 14), MEMBER),
        meeting("M2", date(2021, 3, 15), MEMBER),
        rates=rates,
    )
    assert paid(result) == {("m1", "M1"): 1000, ("m1", "M2"): 1200}


def test_only_identified_attendees_are_paid_in_room_or_remote_alike():  # R56
    unidentified = Attendee("m2", Role.MEMBER, identified=False)
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, MEMBER, unidentified))
    assert paid(result)[("m2", "M1")] == 0
    assert codes(result)["m2"] == "NOT_IDENTIFIED"
    assert "s.10" in next(x.clause for x in result.lines if x.person_id == "m2")


def test_assistant_secretaries_beyond_the_cap_are_not_paid():  # R60
    assistants = [
        Attendee(f"a{i}", Role.ASSISTANT_SECRETARY, identified=True) for i in (1, 2, 3)
    ]
    secretary = Attendee("sec", Role.SECRETARY, identified=True)
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, secretary, *assistants))
    amounts = paid(result)
    assert [amounts[(f"a{i}", "M1")] for i in (1, 2, 3)] == [1000, 1000, 0]
    assert amounts[("sec", "M1")] == 1000
    assert codes(result)["a3"] == "ASSISTANT_SECRETARY_OVER_CAP"
    assert [w.code for w in result.warnings] == ["ASSISTANT_SECRETARY_CAP_EXCEEDED"]


def test_secretaries_unpaid_when_the_body_says_so():
    policy = AllowancePolicy(pay_secretaries=False)
    staff = [
        Attendee("sec", Role.SECRETARY, identified=True),
        Attendee("a1", Role.ASSISTANT_SECRETARY, identified=True),
    ]
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, *staff), policy=policy)
    assert paid(result)[("sec", "M1")] == paid(result)[("a1", "M1")] == 0
    assert codes(result)["a1"] == "SECRETARY_NOT_PAID"


@pytest.mark.parametrize(
    ("pay_invitees", "amount", "code"),
    [(False, 0, "INVITEE_NOT_PAID"), (True, 1000, "ALLOWANCE_INVITEE")],
)
def test_invitees_are_paid_only_if_configured(pay_invitees, amount, code):  # R61
    invitee = Attendee("guest", Role.INVITEE, identified=True)
    policy = AllowancePolicy(pay_invitees=pay_invitees)
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, invitee), policy=policy)
    assert paid(result)[("guest", "M1")] == amount
    assert codes(result)["guest"] == code


@pytest.mark.parametrize(("rule_on", "total"), [(True, 0), (False, 2250)])
def test_no_quorum_no_allowance(rule_on, total):  # R62
    policy = AllowancePolicy(no_quorum_no_allowance=rule_on)
    result = run(
        meeting("M1", date(2021, 3, 1), CHAIR, MEMBER, quorate=False), policy=policy
    )
    assert result.total == total
    if rule_on:
        assert set(codes(result).values()) == {"NO_QUORUM_NO_ALLOWANCE"}


def test_amounts_round_half_up_to_the_satang():
    # 1,000.02 x 1.25 = 1,250.025: half-up gives .03 (banker's rounding would give .02)
    rate = AllowanceRate("per_meeting", Decimal("1000.02"), date(2021, 1, 1), None, "X")
    result = run(meeting("M1", date(2021, 3, 1), CHAIR), rates=(rate,))
    assert result.total == Decimal("1250.03")


@pytest.mark.parametrize(
    ("rates", "code"),
    [
        ((), "NO_RATE_IN_FORCE"),
        (
            (AllowanceRate("per_meeting", Decimal(1), date(2022, 1, 1), None, "X"),),
            "NO_RATE_IN_FORCE",
        ),
        ((PER_MEETING, MONTHLY), "RATES_OVERLAP"),
    ],
)
def test_rate_table_must_give_exactly_one_rate(rates, code):
    with pytest.raises(DomainError) as err:
        run(meeting("M1", date(2021, 3, 1), CHAIR), rates=rates)
    assert err.value.code == code


def test_duplicate_attendee_is_an_error():
    with pytest.raises(DomainError) as err:
        run(meeting("M1", date(2021, 3, 1), MEMBER, MEMBER))
    assert err.value.code == "DUPLICATE_ATTENDEE"


@pytest.mark.parametrize("amount", [Decimal(-1), Decimal("NaN")])
def test_a_negative_or_unknown_rate_is_refused(amount):
    with pytest.raises(DomainError) as err:
        AllowanceRate("per_meeting", amount, date(2021, 1, 1), None, "X")
    assert err.value.code == "RATE_INVALID"


# Properties ------------------------------------------------------------------------

attendees_st = st.lists(
    st.builds(
        Attendee,
        person_id=st.sampled_from([f"p{i}" for i in range(8)]),
        role=st.sampled_from(list(Role)),
        identified=st.booleans(),
        attended=st.booleans(),
    ),
    unique_by=lambda a: a.person_id,
)
meetings_st = st.lists(
    st.builds(
        MeetingAttendance,
        meeting_id=st.uuids().map(str),
        held_on=st.dates(date(2021, 1, 1), date(2021, 12, 31)),
        quorate=st.booleans(),
        presiding_id=st.sampled_from([None, "p0", "p1"]),
        attendees=attendees_st,
    ),
    max_size=6,
)


@given(
    meetings_st,
    st.sampled_from(["per_meeting", "monthly"]),
    st.decimals(0, 10000, places=2),
    st.builds(
        AllowancePolicy,
        pay_secretaries=st.booleans(),
        pay_invitees=st.booleans(),
        max_paid_assistant_secretaries=st.integers(0, 3),
        no_quorum_no_allowance=st.booleans(),
    ),
)
def test_allowance_total_equals_the_sum_of_lines(meetings, kind, amount, policy):
    rate = AllowanceRate(kind, amount, date(2021, 1, 1), None, "X")
    result = compute_allowances(meetings=meetings, rates=[rate], policy=policy)
    assert result.total == sum(line.amount for line in result.lines)
    assert all(line.amount >= 0 for line in result.lines)
    assert all(
        line.amount == line.amount.quantize(Decimal("0.01")) for line in result.lines
    )
    if kind == "monthly":  # at most one payment per person per month
        months = [(x.person_id, x.month) for x in result.lines if x.amount > 0]
        assert len(months) == len(set(months))


@pytest.mark.parametrize(
    "role", [Role.MEMBER_SECRETARY, Role.MEMBER_ASSISTANT_SECRETARY]
)
@pytest.mark.parametrize("pay_secretaries", [True, False])
def test_a_member_secretary_is_paid_once_as_a_member(role, pay_secretaries):
    """กรรมการและเลขานุการ: one line, the higher of member and secretary (the member
    rate), even where the body pays no secretaries."""
    sec = Attendee("sec", role, identified=True)
    policy = AllowancePolicy(pay_secretaries=pay_secretaries)
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, sec), policy=policy)
    lines = [x for x in result.lines if x.person_id == "sec"]
    assert [(x.amount, x.reason_code) for x in lines] == [
        (Decimal(1000), "ALLOWANCE_MEMBER_SECRETARY")
    ]


def test_member_assistant_secretaries_do_not_use_the_assistant_cap():  # R60
    staff = [
        Attendee("ma", Role.MEMBER_ASSISTANT_SECRETARY, identified=True),
        Attendee("a1", Role.ASSISTANT_SECRETARY, identified=True),
        Attendee("a2", Role.ASSISTANT_SECRETARY, identified=True),
    ]
    result = run(meeting("M1", date(2021, 3, 1), CHAIR, *staff))
    assert [paid(result)[(p, "M1")] for p in ("ma", "a1", "a2")] == [1000] * 3
    assert result.warnings == ()


def test_a_member_secretary_elected_to_preside_gets_the_chairs_rate():  # R58
    sec = Attendee("sec", Role.MEMBER_SECRETARY, identified=True)
    result = run(meeting("M1", date(2021, 3, 1), MEMBER, sec, presiding_id="sec"))
    assert paid(result)[("sec", "M1")] == 1250
    assert codes(result)["sec"] == "ALLOWANCE_PRESIDING"
