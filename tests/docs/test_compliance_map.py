"""The compliance map (docs/compliance.md) covers every requirement of docs/legal.md §C
and every place it names exists.

The map is only worth reading if it is true: a requirement the law imposes must not
drop out of it, and a code or test location it cites must not go stale when code
moves. Locations are checked by reading the files (``ast``), not by importing them,
so this needs neither Django nor a database.

Format of the map's table "Requirement by requirement" (one row per R-number)::

    | R | Requirement | Status | Code | Tests |

* Requirement: the text of docs/legal.md §C, word for word.
* Status: ``built``, ``built: <note>``, or one of the reasons below.
* Code, Tests: locations in backticks, separated by ``;``: ``module`` or
  ``module:name`` or ``module:Class.name``, dotted from the repository root (code under
  ``prachum.`` or ``config.``, tests under ``tests.``). A cell without a location says
  why, starting with one of ``REASONS`` (e.g. ``not built yet: no challenge form``).

After a move, ``python tests/docs/test_compliance_map.py --fix`` rewrites every
``module:name`` whose name is now defined in exactly one other module (top-level
functions, classes and assignments), and prints what it could not fix.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEGAL = ROOT / "docs" / "legal.md"
MAP = ROOT / "docs" / "compliance.md"
MAP_SECTION = "## Requirement by requirement"
# What a row may give instead of a location (and as its status when not built).
REASONS = ("partial", "not built yet", "organisational")
CODE_ROOTS = ("prachum", "config")
TEST_ROOTS = ("tests",)
WEB_MODULES = ("views", "consumers", "forms", "admin", "urls", "media_views")

R_ROW = re.compile(r"^\|\s*(R\d+)\s*\|(.*)\|\s*$")
REF = re.compile(r"`([A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*)?)`")


@dataclass(frozen=True)
class Row:
    r: str
    requirement: str
    status: str
    code: str
    tests: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def legal_requirements() -> dict[str, str]:
    """R-number -> requirement text, from the table of docs/legal.md §C."""
    text = LEGAL.read_text(encoding="utf-8")
    section = text.split("\n## C.", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        if R_ROW.match(line):
            cells = _cells(line)
            found[cells[0]] = cells[1]
    return found


def map_rows() -> list[Row]:
    text = MAP.read_text(encoding="utf-8")
    section = text.split(MAP_SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if R_ROW.match(line):
            cells = _cells(line)
            assert len(cells) == 5, f"{cells[0]}: want 5 cells, got {len(cells)}"
            rows.append(Row(*cells))
    return rows


def refs(cell: str) -> list[str]:
    return REF.findall(cell)


def reason_of(text: str) -> str | None:
    """The reason a status or a cell starts with, or None."""
    for reason in REASONS:
        if re.match(rf"{reason}: \S", text):
            return reason
    return None


# --- resolving a location ----------------------------------------------------------


def module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def definitions(path: Path) -> dict[str, set[str]]:
    """Top-level names defined in a file, each with the names defined in its body
    (for ``Class.method``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, set[str]] = {}
    for node in tree.body:
        for name in _defined(node):
            inner = set()
            if isinstance(node, ast.ClassDef):
                inner = {n for child in node.body for n in _defined(child)}
            names.setdefault(name, set()).update(inner)
    return names


def _defined(node: ast.stmt) -> Iterator[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id


def problem(ref: str, roots: tuple[str, ...]) -> str | None:
    """Why ``ref`` does not resolve under ``roots``, or None."""
    module, _, name = ref.partition(":")
    if module.split(".")[0] not in roots:
        return f"`{ref}`: not under {' or '.join(roots)}"
    path = module_file(module)
    if path is None:
        last = module.rsplit(".", 1)[-1]
        return f"`{ref}`: no module {module}" + _module_hint(last, roots)
    if roots == TEST_ROOTS and not path.stem.startswith("test_"):
        return f"`{ref}`: {path.name} is not a test module"
    if not name:
        return None
    top, _, member = name.partition(".")
    names = definitions(path)
    if top not in names or (member and member not in names[top]):
        return f"`{ref}`: {module} defines no {name}" + _name_hint(name, roots)
    if roots == TEST_ROOTS and not top.startswith(("test_", "Test")):
        return f"`{ref}`: {name} is not a test"
    return None


@cache
def where_defined(name: str, roots: tuple[str, ...]) -> tuple[str, ...]:
    """Modules under ``roots`` that define ``name`` (``Class.member`` allowed)."""
    top, _, member = name.partition(".")
    found = []
    for root in roots:
        for path in sorted(ROOT.joinpath(root).rglob("*.py")):
            if "migrations" in path.parts or ".venv" in path.parts:
                continue
            names = definitions(path)
            if top in names and (not member or member in names[top]):
                parts = path.relative_to(ROOT).with_suffix("").parts
                found.append(".".join(p for p in parts if p != "__init__"))
    return tuple(found)


def _module_hint(last: str, roots: tuple[str, ...]) -> str:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for root in roots
        for p in ROOT.joinpath(root).rglob(f"{last}.py")
    )
    return f" (modules named {last}: {', '.join(modules)})" if modules else ""


def _name_hint(name: str, roots: tuple[str, ...]) -> str:
    candidates = where_defined(name, roots)
    return f" (now defined in: {', '.join(candidates)})" if candidates else ""


# --- the checks ----------------------------------------------------------------------


def row_problems(row: Row) -> list[str]:
    found = []
    status = reason_of(row.status)
    if row.status != "built" and not row.status.startswith("built: ") and not status:
        found.append(
            f"{row.r}: status {row.status!r} is neither built nor one of {REASONS}"
        )
    for column, cell, roots in (
        ("Code", row.code, CODE_ROOTS),
        ("Tests", row.tests, TEST_ROOTS),
    ):
        located = refs(cell)
        if not located and reason_of(cell) is None:
            found.append(
                f"{row.r}: {column} gives no location and no reason "
                f"(start with one of {REASONS})"
            )
        if not located and row.status == "built":
            found.append(f"{row.r}: built, yet no {column} location")
        found.extend(
            f"{row.r} {column}: {p}" for r in located if (p := problem(r, roots))
        )
    return found


def test_every_requirement_of_the_legal_spec_is_in_the_map() -> None:
    legal = legal_requirements()
    rows = map_rows()
    assert len(legal) >= 76, "docs/legal.md §C: the table was not found"
    mapped = [row.r for row in rows]
    assert sorted(set(mapped)) == sorted(mapped), "an R-number is mapped twice"
    assert sorted(set(legal) - set(mapped)) == [], "missing from docs/compliance.md"
    assert sorted(set(mapped) - set(legal)) == [], "not in docs/legal.md §C"
    wrong = [
        f"{row.r}: {row.requirement!r} != {legal[row.r]!r}"
        for row in rows
        if row.requirement != legal[row.r]
    ]
    assert wrong == [], "the map's requirement text differs from docs/legal.md"


def test_every_row_has_code_and_tests_or_says_why_not() -> None:
    found = [p for row in map_rows() for p in row_problems(row)]
    assert found == [], (
        "docs/compliance.md is out of date "
        "(python tests/docs/test_compliance_map.py --fix rewrites moved names):\n"
        + "\n".join(found)
    )


def test_the_checker_catches_a_stale_location() -> None:
    """The checks above can fail: a made-up module, name or reason is caught."""
    row = Row(
        "R0",
        "-",
        "built",
        "`prachum.domain.quorum:no_such_function`; `prachum.no_such_module`",
        "`tests.domain.test_quorum:test_no_such_test`; `prachum.domain.quorum`",
    )
    found = row_problems(row)
    assert len(found) == 4, found
    assert row_problems(Row("R0", "-", "someday", "—", "—")) == [
        "R0: status 'someday' is neither built nor one of "
        "('partial', 'not built yet', 'organisational')",
        "R0: Code gives no location and no reason "
        "(start with one of ('partial', 'not built yet', 'organisational'))",
        "R0: Tests gives no location and no reason "
        "(start with one of ('partial', 'not built yet', 'organisational'))",
    ]


# --- rewriting moved names ------------------------------------------------------------


def _web_layer(module: str) -> bool:
    parts = module.split(".")
    return parts[:2] == ["prachum", "api"] or parts[-1] in WEB_MODULES


def fix() -> int:
    """Rewrite each stale ``module:name`` whose name one module now defines."""
    text = MAP.read_text(encoding="utf-8")
    head, body = text.split(MAP_SECTION, 1)
    unfixed = []

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        roots = TEST_ROOTS if ref.startswith("tests.") else CODE_ROOTS
        if problem(ref, roots) is None:
            return match.group(0)
        module, _, name = ref.partition(":")
        candidates = where_defined(name, roots) if name else ()
        if len(candidates) > 1 and not _web_layer(module):
            # A view often shares its service's name: a service stays a service.
            candidates = tuple(c for c in candidates if not _web_layer(c))
        if len(candidates) == 1 and problem(f"{candidates[0]}:{name}", roots) is None:
            sys.stdout.write(f"{ref} -> {candidates[0]}:{name}\n")
            return f"`{candidates[0]}:{name}`"
        unfixed.append(problem(ref, roots) or ref)
        return match.group(0)

    MAP.write_text(head + MAP_SECTION + REF.sub(replace, body), encoding="utf-8")
    sys.stdout.writelines(f"not fixed: {line}\n" for line in unfixed)
    return 1 if unfixed else 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--fix"]:
        sys.exit(f"usage: python {Path(__file__).relative_to(ROOT)} --fix")
    sys.exit(fix())
