"""Quorum (APA s.79; Decree ss.6, 9(1); NCPO 74/2557). Expected numbers come from the
words of the law: "at least half" of n is the least k with 2k >= n, "more than half" the
least k with 2k > n, "one third" the least k with 3k >= n."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prachum.domain.errors import DomainError
from prachum.domain.quorum import (
    SECRETARIAT_ROLES,
    VOTING_ROLES,
    ItemContext,
    Presence,
    QuorumRule,
    Role,
    RosterEntry,
    quorum_status,
)
from prachum.domain.regimes import regime_on

APA = QuorumRule()
ADJOURNED_ON = date(2025, 3, 3)


def members(n):
    """A body of n: m1 chairs, m2 is vice-chair, the rest are members."""
    roles = [Role.CHAIR, Role.VICE_CHAIR] + [Role.MEMBER] * max(0, n - 2)
    return [RosterEntry(f"m{i}", role) for i, role in enumerate(roles[:n], start=1)]


def here(*ids, **kwargs):
    fields = {"mode": "remote", "identified": True, "connected": True} | kwargs
    return [Presence(person_id, **fields) for person_id in ids]


def first(k):
    return [f"m{i}" for i in range(1, k + 1)]


def status(n, k, rule=APA, **kwargs):
    return quorum_status(
        roster=members(n), presences=here(*first(k)), rule=rule, **kwargs
    )


@pytest.mark.parametrize(
    ("rule", "n", "required"),
    [
        (APA, 9, 5),  # at least half of 9
        (APA, 10, 5),  # at least half of 10
        (APA, 15, 8),  # R21
        (APA, 1, 1),
        (QuorumRule("more_than_fraction"), 10, 6),
        (QuorumRule("more_than_fraction"), 9, 5),
        (QuorumRule(fraction=Fraction(2, 3)), 9, 6),
        (QuorumRule(fraction=Fraction(2, 3)), 10, 7),
        (QuorumRule("more_than_fraction", Fraction(2, 3)), 9, 7),
        (QuorumRule("fixed", fixed_count=4), 10, 4),
    ],
)
def test_required_count_and_the_edge_of_quorum(rule, n, required):
    at_edge = status(n, required, rule)
    below = status(n, required - 1, rule)
    assert (at_edge.required, at_edge.eligible, at_edge.met) == (required, n, True)
    assert (below.counted, below.met) == (required - 1, False)
    assert at_edge.reasons[0].code == "QUORUM_MET"
    assert below.reasons[0].code == "QUORUM_NOT_MET"
    assert at_edge.reasons[0].clause == rule.source


def test_hybrid_attendance_counts_in_room_and_remote_alike():  # R5
    presences = here("m1", "m2", "m3", mode="in_room", room="A") + here(*first(8)[3:])
    result = quorum_status(roster=members(15), presences=presences, rule=APA)
    assert (result.counted, result.required, result.met) == (8, 8, True)
    assert result.counted_ids == tuple(sorted(first(8)))


@pytest.mark.parametrize(
    ("flags", "require_audio", "counted"),
    [
        ({"identified": True, "connected": True}, False, 1),
        ({"identified": False, "connected": True}, False, 0),  # Decree s.9(1)
        ({"identified": True, "connected": False}, False, 0),  # R22: dropped out
        ({"identified": True, "connected": True, "audio_up": False}, False, 1),
        ({"identified": True, "connected": True, "audio_up": True}, True, 1),
        ({"identified": True, "connected": True, "audio_up": False}, True, 0),  # R16
        ({"identified": True, "connected": True, "audio_up": None}, True, 0),
    ],
)
def test_present_means_identified_connected_and_heard(flags, require_audio, counted):
    presence = Presence("m1", "remote", **flags)
    result = quorum_status(
        roster=members(3), presences=[presence], rule=APA, require_audio=require_audio
    )
    assert result.counted == counted


@pytest.mark.parametrize(
    ("entry", "counts"),
    [
        (RosterEntry("x", Role.INVITEE), False),  # R25: an invitee changes nothing
        (RosterEntry("x", Role.SECRETARY), False),
        (RosterEntry("x", Role.ASSISTANT_SECRETARY), False),
        (RosterEntry("x", Role.SECRETARY, is_voting=True), True),  # secretary-member
        (RosterEntry("x", Role.MEMBER, is_voting=False), False),
        (RosterEntry("x", Role.VICE_CHAIR), True),
    ],
)
def test_only_voting_members_count(entry, counts):
    result = quorum_status(roster=[*members(4), entry], presences=here("x"), rule=APA)
    assert result.eligible == 4 + counts
    assert result.counted == int(counts)


def test_recusals_leave_the_base_for_the_item():  # R21: 3 of 15 withdrawn
    recused = frozenset({"m13", "m14", "m15"})
    result = status(15, 15, item=ItemContext(recused=recused))
    assert (result.eligible, result.required, result.counted) == (12, 6, 12)
    assert "RECUSALS_REDUCE_BASE" in result.codes
    assert not recused & set(result.counted_ids)


@pytest.mark.parametrize(
    ("present", "recused", "met"),
    [
        (first(5), set(), True),  # 5 of 10 is at least half
        (first(5), {"m5"}, False),  # a present member recused: 4 of 9 < 5
        (first(4), set(), False),  # 4 of 10
        (first(4), {"m9", "m10"}, True),  # two absent members recused: 4 of 8
    ],
)
def test_recusals_that_change_the_quorum(present, recused, met):
    item = ItemContext(recused=frozenset(recused))
    result = quorum_status(
        roster=members(10), presences=here(*present), rule=APA, item=item
    )
    assert result.met is met


def test_recusals_can_be_switched_off_by_the_bodys_rule():
    rule = QuorumRule(recused_excluded=False)
    result = status(10, 10, rule, item=ItemContext(recused=frozenset({"m1"})))
    assert (result.eligible, result.counted) == (10, 10)
    assert "RECUSALS_REDUCE_BASE" not in result.codes


def test_recusing_a_non_member_changes_nothing():
    roster = [*members(4), RosterEntry("sec", Role.SECRETARY)]
    item = ItemContext(recused=frozenset({"sec"}))
    result = quorum_status(
        roster=roster, presences=here("m1", "m2"), rule=APA, item=item
    )
    assert (result.eligible, result.met) == (4, True)
    assert "RECUSALS_REDUCE_BASE" not in result.codes


SUBSTITUTE = RosterEntry("s3", Role.MEMBER, is_substitute_for="m3")


@pytest.mark.parametrize(
    ("substitutes_count", "counted", "code"),
    [(True, 3, "SUBSTITUTE_COUNTED"), (False, 2, "SUBSTITUTE_NOT_COUNTED")],
)
def test_a_substitute_counts_only_if_the_bodys_rule_says_so(
    substitutes_count, counted, code
):  # R24
    rule = QuorumRule(substitutes_count=substitutes_count)
    result = quorum_status(
        roster=[*members(5), SUBSTITUTE], presences=here("m1", "m2", "s3"), rule=rule
    )
    assert (result.eligible, result.required) == (5, 3)  # the substitute is no seat
    assert (result.counted, result.met) == (counted, substitutes_count)
    assert code in result.codes


def test_a_seat_is_counted_once():
    rule = QuorumRule(substitutes_count=True)
    twin = RosterEntry("t3", Role.MEMBER, is_substitute_for="m3")
    roster = [*members(5), SUBSTITUTE, twin]
    both_substitutes = quorum_status(
        roster=roster, presences=here("s3", "t3"), rule=rule
    )
    assert both_substitutes.counted == 1
    with_member = quorum_status(roster=roster, presences=here("m3", "s3"), rule=rule)
    assert with_member.counted_ids == ("m3",)
    assert not {"SUBSTITUTE_COUNTED", "SUBSTITUTE_NOT_COUNTED"} & set(with_member.codes)


def test_no_substitute_for_a_recused_member_or_a_non_voting_one():
    rule = QuorumRule(substitutes_count=True)
    item = ItemContext(recused=frozenset({"m3"}))
    recused = quorum_status(
        roster=[*members(5), SUBSTITUTE], presences=here("s3"), rule=rule, item=item
    )
    assert recused.counted == 0
    roster = [
        *members(5),
        RosterEntry("sec", Role.SECRETARY),
        RosterEntry("s9", Role.MEMBER, is_substitute_for="sec"),
    ]
    non_voting = quorum_status(roster=roster, presences=here("s9"), rule=rule)
    assert non_voting.counted == 0


def test_a_substitute_for_someone_off_the_roster_is_an_error():
    roster = [*members(3), RosterEntry("s9", Role.MEMBER, is_substitute_for="ghost")]
    with pytest.raises(DomainError) as err:
        quorum_status(roster=roster, presences=[], rule=APA)
    assert err.value.code == "SUBSTITUTE_FOR_UNKNOWN"


def adjourned(days, notice=True):
    return ItemContext(
        adjourned_for_no_quorum=True,
        adjourned_on=ADJOURNED_ON,
        rescheduled_on=ADJOURNED_ON + timedelta(days=days),
        notice_stated_adjourned=notice,
    )


@pytest.mark.parametrize(
    ("rule", "item", "required", "code"),
    [
        # APA s.79 para 2: within 14 days, notice said so -> one third of 15 = 5
        (APA, adjourned(14), 5, "ADJOURNED_MATTER_QUORUM"),
        (APA, adjourned(1), 5, "ADJOURNED_MATTER_QUORUM"),
        (APA, adjourned(15), 8, "ADJOURNED_MATTER_TOO_LATE"),
        (APA, adjourned(10, notice=False), 8, "ADJOURNED_MATTER_NOTICE_SILENT"),
        (
            QuorumRule(is_dispute_body=True),
            adjourned(10),
            8,
            "ADJOURNED_MATTER_DISPUTE_BODY",
        ),
        (
            QuorumRule(adjourned_fraction=None),
            adjourned(10),
            8,
            "ADJOURNED_MATTER_NOT_IN_RULE",
        ),
        # a fixed quorum below one third stays as it is
        (
            QuorumRule("fixed", fixed_count=2),
            adjourned(10),
            2,
            "ADJOURNED_MATTER_QUORUM",
        ),
    ],
)
def test_adjourned_matter_rule(rule, item, required, code):
    result = status(15, 5, rule, item=item)
    assert result.required == required
    assert result.met is (required <= 5)
    assert code in result.codes


def test_adjourned_matter_one_third_is_of_the_base_after_recusals():
    item = ItemContext(
        recused=frozenset({"m13", "m14", "m15"}),
        adjourned_for_no_quorum=True,
        adjourned_on=ADJOURNED_ON,
        rescheduled_on=ADJOURNED_ON + timedelta(days=7),
        notice_stated_adjourned=True,
    )
    assert status(15, 4, item=item).required == 4  # one third of 12


@pytest.mark.parametrize(
    ("adjourned_on", "rescheduled_on"),
    [
        (None, ADJOURNED_ON),
        (ADJOURNED_ON, None),
        (ADJOURNED_ON, ADJOURNED_ON - timedelta(days=1)),
    ],
)
def test_an_adjourned_item_needs_consistent_dates(adjourned_on, rescheduled_on):
    with pytest.raises(DomainError) as err:
        ItemContext(
            adjourned_for_no_quorum=True,
            adjourned_on=adjourned_on,
            rescheduled_on=rescheduled_on,
        )
    assert err.value.code == "ADJOURNED_DATES_INVALID"


LEGACY = regime_on(date(2020, 4, 10))
LIVE = regime_on(date(2020, 6, 1))


@pytest.mark.parametrize(
    ("presences", "regime", "met", "code"),
    [
        # 9 members: quorum 5, so ceil(5/3) = 2 must share a room (R8)
        (
            here("m1", "m2", mode="in_room", room="A", in_kingdom=True)
            + here("m3", "m4", "m5", in_kingdom=True),
            LEGACY,
            True,
            None,
        ),
        (
            here("m1", mode="in_room", room="A", in_kingdom=True)
            + here("m2", mode="in_room", room="B", in_kingdom=True)
            + here("m3", "m4", "m5", in_kingdom=True),
            LEGACY,
            False,
            "LEGACY_CO_LOCATION_SHORT",
        ),
        (
            here("m1", "m2", mode="in_room", in_kingdom=True)
            + here("m3", "m4", in_kingdom=True)
            + here("m5", in_kingdom=False),
            LEGACY,
            False,
            "LEGACY_NOT_ALL_IN_KINGDOM",  # R7
        ),
        (
            here("m1", "m2", mode="in_room", in_kingdom=True)
            + here("m3", "m4", "m5", in_kingdom=None),
            LEGACY,
            False,
            "LEGACY_NOT_ALL_IN_KINGDOM",  # location not shown
        ),
        (
            here("m1", "m2", "m3", "m4", "m5", in_kingdom=False),
            LIVE,
            True,
            None,  # R6: anywhere, fully remote
        ),
    ],
)
def test_legacy_ncpo_74_conditions(presences, regime, met, code):
    result = quorum_status(
        roster=members(9), presences=presences, rule=APA, regime=regime
    )
    assert result.counted == 5
    assert result.met is met
    if code:
        assert code in result.codes


def test_legacy_in_kingdom_applies_to_every_participant_not_only_members():
    presences = here("m1", "m2", mode="in_room", in_kingdom=True) + here(
        "guest", in_kingdom=False
    )
    roster = [*members(3), RosterEntry("guest", Role.INVITEE)]
    result = quorum_status(roster=roster, presences=presences, rule=APA, regime=LEGACY)
    assert "LEGACY_NOT_ALL_IN_KINGDOM" in result.codes


def test_legacy_co_location_for_a_quorum_of_8():  # R8: 8 -> 3 in one room; 2 -> flag
    def with_room(k):
        return here(*first(k), mode="in_room", room="A", in_kingdom=True) + here(
            *first(8)[k:], in_kingdom=True
        )

    roster = members(15)
    for k, met in ((3, True), (2, False)):
        result = quorum_status(
            roster=roster, presences=with_room(k), rule=APA, regime=LEGACY
        )
        assert result.met is met


def test_a_body_with_nobody_eligible_has_no_quorum():
    result = status(3, 3, item=ItemContext(recused=frozenset({"m1", "m2", "m3"})))
    assert (result.eligible, result.required, result.met) == (0, 1, False)


def test_presences_are_deduplicated_and_strangers_ignored():
    presences = here("m1", "m1", "stranger")
    result = quorum_status(roster=members(2), presences=presences, rule=APA)
    assert result.counted_ids == ("m1",)


def test_a_roster_listing_someone_twice_is_an_error():
    with pytest.raises(DomainError) as err:
        quorum_status(roster=members(2) * 2, presences=[], rule=APA)
    assert err.value.code == "DUPLICATE_ROSTER_ENTRY"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "fixed"}, "QUORUM_FIXED_COUNT_MISSING"),
        ({"kind": "fixed", "fixed_count": 0}, "QUORUM_FIXED_COUNT_MISSING"),
        ({"fraction": Fraction(0)}, "QUORUM_FRACTION_OUT_OF_RANGE"),
        ({"fraction": Fraction(3, 2)}, "QUORUM_FRACTION_OUT_OF_RANGE"),
        ({"adjourned_fraction": Fraction(0)}, "QUORUM_FRACTION_OUT_OF_RANGE"),
    ],
)
def test_invalid_quorum_rules_are_refused(kwargs, code):
    with pytest.raises(DomainError) as err:
        QuorumRule(**kwargs)
    assert err.value.code == code


# Properties ------------------------------------------------------------------------

RULES = st.sampled_from(
    [
        APA,
        QuorumRule("more_than_fraction"),
        QuorumRule(fraction=Fraction(2, 3)),
        QuorumRule("fixed", fixed_count=3),
    ]
)


@st.composite
def meetings(draw):
    n = draw(st.integers(1, 25))
    ids = first(n)
    attending = draw(st.lists(st.sampled_from(ids), unique=True))
    extra = draw(st.lists(st.sampled_from(ids), unique=True))
    recused = draw(st.frozensets(st.sampled_from(ids)))
    return n, attending, extra, recused


@given(meetings(), RULES)
def test_quorum_is_monotone_in_the_number_present(meeting, rule):
    n, attending, extra, recused = meeting
    item = ItemContext(recused=recused)
    fewer = quorum_status(
        roster=members(n), presences=here(*attending), rule=rule, item=item
    )
    more = quorum_status(
        roster=members(n), presences=here(*attending, *extra), rule=rule, item=item
    )
    assert more.counted >= fewer.counted
    assert more.met or not fewer.met


presences_st = st.builds(
    Presence,
    person_id=st.sampled_from(["m1", "m2", "m3", "m4", "s2", "s3", "sec", "x"]),
    mode=st.sampled_from(["in_room", "remote"]),
    identified=st.booleans(),
    connected=st.booleans(),
    audio_up=st.sampled_from([None, True, False]),
)


@given(
    st.lists(presences_st),
    st.frozensets(st.sampled_from(["m1", "m2", "m3", "m4", "sec"])),
    st.booleans(),
    st.booleans(),
)
def test_counted_never_exceeds_eligible(presences, recused, substitutes, audio):
    roster = [
        *members(4),
        RosterEntry("s2", Role.MEMBER, is_substitute_for="m2"),
        RosterEntry("s3", Role.MEMBER, is_substitute_for="m3"),
        RosterEntry("sec", Role.SECRETARY),
    ]
    result = quorum_status(
        roster=roster,
        presences=presences,
        rule=QuorumRule(substitutes_count=substitutes),
        item=ItemContext(recused=recused),
        require_audio=audio,
    )
    assert 0 <= result.counted <= result.eligible == 4 - len(recused - {"sec"})
    assert len(result.counted_ids) == result.counted


# กรรมการและเลขานุการ / กรรมการและผู้ช่วยเลขานุการ (issue 13 point 6)


@pytest.mark.parametrize(
    ("role", "voting"),
    [
        (Role.MEMBER_SECRETARY, True),
        (Role.MEMBER_ASSISTANT_SECRETARY, True),
        (Role.SECRETARY, False),
        (Role.ASSISTANT_SECRETARY, False),
        (Role.INVITEE, False),
    ],
)
def test_a_member_secretary_votes_a_plain_secretary_does_not(role, voting):
    assert RosterEntry("s", role).is_voting_member is voting


def test_member_secretaries_are_secretariat_and_voting_at_once():
    both = VOTING_ROLES & SECRETARIAT_ROLES
    assert both == {Role.MEMBER_SECRETARY, Role.MEMBER_ASSISTANT_SECRETARY}


def test_a_voting_secretary_makes_the_base_nine_not_eight():
    """Eight members and a กรรมการและเลขานุการ: base 9, at least half is 5."""
    roster = [*members(8), RosterEntry("sec", Role.MEMBER_SECRETARY)]
    result = quorum_status(roster=roster, presences=here("sec", *first(4)), rule=APA)
    assert (result.eligible, result.required, result.counted) == (9, 5, 5)
    assert result.met
    assert "sec" in result.counted_ids


def test_a_plain_secretary_is_not_in_the_base():
    roster = [*members(8), RosterEntry("sec", Role.SECRETARY)]
    result = quorum_status(roster=roster, presences=here("sec", *first(4)), rule=APA)
    assert (result.eligible, result.required, result.counted) == (8, 4, 4)
    assert "sec" not in result.counted_ids


def test_a_recused_member_secretary_leaves_the_items_base():
    roster = [*members(8), RosterEntry("sec", Role.MEMBER_ASSISTANT_SECRETARY)]
    item = ItemContext(recused=frozenset({"sec"}))
    result = quorum_status(
        roster=roster, presences=here("sec", *first(4)), rule=APA, item=item
    )
    assert (result.eligible, result.counted) == (8, 4)
    assert "RECUSALS_REDUCE_BASE" in result.codes
