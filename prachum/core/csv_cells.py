"""CSV cells that a spreadsheet would run as a formula (OWASP "CSV injection"; issue 15
point 7, F8).

A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets skip before looking) is read by Excel and LibreOffice as a formula:
``=HYPERLINK(...)`` in a name becomes a link that leaks data or runs a command. So
imports refuse such cells (``formula_error``) and every export writes through
``csv_writer``, which prefixes them with ``'`` (shown, not evaluated) as OWASP advises.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from django.utils.translation import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def formula_error(value: str) -> str | None:
    """The Thai/English row error for an imported cell, or None when it is safe.

    ``value`` is the cell as read, before stripping (``" =1+1"`` is checked as
    ``"=1+1"`` too: a spreadsheet trims it).
    """
    if starts_formula(value) or starts_formula(value.strip()):
        return _(
            "A cell may not begin with =, +, -, @, a tab or a line break: spreadsheet "
            "programs run it as a formula."
        )
    return None


def neutralise(cell: Any) -> Any:
    """``cell`` with a leading ``'`` when it is text a spreadsheet would run; numbers
    (``int``, ``Decimal``) pass unchanged."""
    if isinstance(cell, str) and starts_formula(cell):
        return "'" + cell
    return cell


class SafeWriter:
    """``csv.writer`` whose every row is neutralised; the only CSV writer Prachum uses."""

    def __init__(self, out: TextIO, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)
