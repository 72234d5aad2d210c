from datetime import UTC, date, datetime

import pytest

from prachum.domain.scope import (
    DECREE_S5_EXCLUSIONS,
    DenyListEntry,
    MeetingCategory,
    check_scope,
)

ON = date(2024, 3, 1)


@pytest.mark.parametrize(
    ("category", "paragraph", "matched"),
    [
        (MeetingCategory.PARLIAMENT, "s.5(1)", "parliament"),
        (MeetingCategory.COURT_JUDGMENT, "s.5(2)", "court_judgment"),
        (MeetingCategory.PROCUREMENT, "s.5(3)", "procurement"),
        (" Procurement ", "s.5(3)", "procurement"),  # R2: any case and spacing
    ],
)
def test_decree_s5_excludes_parliament_judgments_and_procurement(
    category, paragraph, matched
):
    decision = check_scope(category=category, on=ON)
    assert (decision.allowed, decision.code) == (False, "DECREE_S5_EXCLUDED")
    assert decision.clause.endswith(paragraph)
    assert decision.matched == matched


@pytest.mark.parametrize("category", [MeetingCategory.REGULAR, MeetingCategory.OTHER])
def test_ordinary_committees_are_in_scope(category):
    decision = check_scope(category=category, on=ON)
    assert (decision.allowed, decision.code, decision.matched) == (
        True,
        "IN_SCOPE",
        None,
    )


def test_exclusion_table_has_exactly_the_three_statutory_categories():
    assert set(DECREE_S5_EXCLUSIONS) == {"parliament", "court_judgment", "procurement"}


def _entry(kind, value, valid_from=date(2024, 1, 1), valid_to=None):
    return DenyListEntry(kind, value, valid_from, valid_to, "Ministerial Regulation X")


def test_deny_listed_category_is_excluded_under_s5_4():  # R3
    entry = _entry("category", "state_enterprise_board")
    decision = check_scope(category="State_Enterprise_Board", on=ON, deny_list=[entry])
    assert (decision.allowed, decision.code) == (False, "DENY_LIST_EXCLUDED")
    assert "s.5(4)" in decision.clause
    assert "Ministerial Regulation X" in decision.clause
    assert decision.matched == "state_enterprise_board"


def test_deny_listed_subject_blocks_the_item_under_s6_para_2():  # R3
    entry = _entry("subject", "national_security")
    decision = check_scope(
        category="regular",
        on=ON,
        subjects=["budget", "National_Security "],
        deny_list=[entry],
    )
    assert (decision.allowed, decision.code) == (False, "DENY_LIST_EXCLUDED")
    assert "s.6 para 2" in decision.clause


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "allowed"),
    [
        (date(2024, 3, 2), None, True),  # not yet in force
        (date(2023, 1, 1), date(2024, 2, 29), True),  # expired the day before
        (date(2023, 1, 1), date(2024, 3, 1), False),  # last day in force
        (date(2024, 3, 1), None, False),  # first day in force
    ],
)
def test_deny_list_entries_apply_only_while_in_force(valid_from, valid_to, allowed):
    entry = _entry("subject", "secret_budget", valid_from, valid_to)
    decision = check_scope(
        category="regular", on=ON, subjects=["secret_budget"], deny_list=[entry]
    )
    assert decision.allowed is allowed


def test_a_subject_entry_does_not_match_a_category_nor_a_category_entry_a_subject():
    entries = [_entry("subject", "regular"), _entry("category", "budget")]
    decision = check_scope(
        category="regular", on=ON, subjects=["budget"], deny_list=entries
    )
    assert decision.allowed


def test_scope_takes_an_aware_datetime_on_its_bangkok_date():
    entry = _entry("category", "board", valid_from=date(2024, 3, 2))
    # 18:00 UTC on 1 March is 2 March in Bangkok, when the entry is in force.
    moment = datetime(2024, 3, 1, 18, 0, tzinfo=UTC)
    assert not check_scope(category="board", on=moment, deny_list=[entry]).allowed
