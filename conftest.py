"""Root pytest hooks: in CI (CI=true) a skipped test fails the run.

The brief allows nothing to be skipped in CI for want of a component: a skip there
means an install step is missing.
"""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(
            f"CI=true: {skipped} test(s) skipped; failing the run.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _release_evidence_for_flush(request: pytest.FixtureRequest) -> object:
    """Let pytest-django's flush empty the evidence tables after a transactional test.

    The SQLite triggers (evidence/0002) refuse to delete an event while its chain head
    exists, and flush deletes tables in no fixed order. Removing the heads first, just
    before the flush, is the one deletion path the triggers allow. PostgreSQL's flush
    uses TRUNCATE, which row triggers do not see.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield None
        return
    request.getfixturevalue("_django_db_helper")
    yield None
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        return
    with (
        transaction.atomic(),
        connection.constraint_checks_disabled(),
        connection.cursor() as cursor,
    ):
        # Seals and packages point at the chain (a closed meeting has a seal).
        cursor.execute("DELETE FROM evidence_seal")
        cursor.execute("DELETE FROM evidence_evidencepackage")
        cursor.execute("DELETE FROM evidence_evidencechain")
        cursor.execute("DELETE FROM evidence_evidenceevent")
