"""The standard agenda and item numbering (Saraban Regulation clause 25 form)."""

import pytest

from prachum.domain.agenda import (
    MINUTES_APPROVAL_SECTION,
    STANDARD_AGENDA,
    item_numbers,
)


def test_the_standard_agenda_has_five_sections_with_minutes_approval_second():
    assert len(STANDARD_AGENDA) == 5
    assert STANDARD_AGENDA[MINUTES_APPROVAL_SECTION] == "รับรองรายงานการประชุม"


def test_items_are_numbered_with_children_under_their_parent():
    parents = [None, None, None, None, 3, 3, 5, None]
    assert item_numbers(parents) == ["1", "2", "3", "4", "4.1", "4.2", "4.2.1", "5"]
    assert item_numbers([]) == []


@pytest.mark.parametrize("parents", [[0], [None, 1], [None, -1], [None, 2, None]])
def test_a_parent_must_come_before_its_children(parents):
    with pytest.raises(ValueError, match="not before it"):
        item_numbers(parents)
