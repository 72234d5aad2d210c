"""Every fixture under ``tests/`` has its own name.

Two fixtures of one name in different packages silently mean different things
(issue 12): a test moved to another package then gets the other one. Shared
fixtures live once, in the nearest common ``conftest.py`` or in a plugin of
``tests/fixtures/``; fixtures that differ carry names that say how.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURE_DECORATORS = {"fixture", "pytest.fixture", "pytest_asyncio.fixture"}


def _fixture_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name pytest knows the function by, or None when it is no fixture."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) not in FIXTURE_DECORATORS:
            continue
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
        return node.name
    return None


def fixture_definitions(root: Path) -> dict[str, list[str]]:
    """Fixture name -> ``path:line`` of each definition in the ``.py`` files of root."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = _fixture_name(node)
                if name is not None:
                    found[name].append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def duplicates(root: Path) -> dict[str, list[str]]:
    return {
        name: places
        for name, places in fixture_definitions(root).items()
        if len(places) > 1
    }


def test_no_fixture_name_is_defined_twice() -> None:
    assert duplicates(TESTS) == {}


def test_a_second_definition_is_found(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef meeting():\n    return 1\n"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "test_x.py").write_text(
        "import pytest, pytest_asyncio\n\n"
        "@pytest_asyncio.fixture\nasync def meeting():\n    return 2\n\n"
        "@pytest.fixture(name='meeting')\ndef other():\n    return 3\n\n"
        "@pytest.fixture(autouse=True)\ndef only_once():\n    return 4\n"
    )

    assert duplicates(tmp_path) == {
        "meeting": ["conftest.py:4", "sub/test_x.py:4", "sub/test_x.py:8"]
    }


# pytest-playwright's fixtures: a test that asks for one (even one of our own under the
# same name) is parametrised per browser and grouped with the browser tests, which
# start Playwright's event loop early and break every asyncio test after them.
PLAYWRIGHT_FIXTURES = {
    "browser",
    "browser_context_args",
    "browser_name",
    "browser_type",
    "browser_type_launch_args",
    "context",
    "page",
    "playwright",
}


def test_no_fixture_outside_the_browser_tests_takes_a_playwright_name() -> None:
    found = fixture_definitions(TESTS)
    clashes = {
        name: [where for where in places if not where.startswith("e2e/")]
        for name, places in found.items()
        if name in PLAYWRIGHT_FIXTURES
    }
    assert not {name: where for name, where in clashes.items() if where}
