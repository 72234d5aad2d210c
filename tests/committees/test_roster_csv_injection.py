"""Spreadsheet formulas and hidden control characters in a roster CSV (issue 15: F8,
build points 4 and 7): the import refuses the row, names the column, saves nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prachum.accounts.models import User
from prachum.committees import services
from prachum.committees.models import Membership
from prachum.core.csv_cells import neutralise
from tests.committees.test_services_import_roster_csv import roster_csv

pytestmark = pytest.mark.django_db

GOOD = ["somchai", "somchai@example.go.th", "นาย", "สมชาย ใจดี", "อธิบดี", "member"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("full_name", '=HYPERLINK("http://evil.example/","คลิก")'),
        ("full_name", "+cmd|' /C calc'!A0"),
        ("position", "-2+3"),
        ("position", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("title", "\t=1+1"),
        ("full_name", "\r=1+1"),
    ],
)
def test_f8_a_formula_in_a_roster_cell_is_a_row_error(
    new_committee, new_secretary, column, value
):
    row = dict(
        zip(
            ["username", "email", "title", "full_name", "position"],
            GOOD[:5],
            strict=True,
        )
    )
    row[column] = value
    data = roster_csv([[*row.values(), "member"]])
    before = (User.objects.count(), Membership.objects.count())

    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )

    assert [(e.row, e.column) for e in excinfo.value.errors] == [(2, column)]
    assert "สูตร" in str(excinfo.value.errors[0].message)
    assert (User.objects.count(), Membership.objects.count()) == before


def test_f10_a_bidi_override_in_a_roster_name_is_a_row_error(
    new_committee, new_secretary
):
    data = roster_csv(
        [["somchai", "somchai@example.go.th", "นาย", "สมชาย\u202eใจดี", "", "member"]]
    )
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(2, "full_name")]


def test_a_hyphen_inside_a_name_is_still_accepted(new_committee, new_secretary):
    data = roster_csv(
        [["somchai", "somchai@example.go.th", "นาย", "สมชาย ใจ-ดี", "ผอ.", "member"]]
    )
    (membership,) = services.import_roster_csv(
        actor=new_secretary, committee=new_committee, data=data
    )
    assert membership.user.full_name == "สมชาย ใจ-ดี"


def test_every_csv_export_writes_through_the_neutralising_writer():
    """No ``csv.writer`` outside ``prachum/core/csv_cells.py`` (issue 15 point 7)."""
    root = Path(__file__).resolve().parents[2] / "prachum"
    writers = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == ["core/csv_cells.py"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+66 81", "'+66 81"),
        ("-", "'-"),
        ("@x", "'@x"),
        ("\t=x", "'\t=x"),
        ("สมชาย", "สมชาย"),
        ("a=b", "a=b"),
        (12, 12),
    ],
)
def test_the_writer_prefixes_dangerous_cells_only(cell, written):
    assert neutralise(cell) == written
