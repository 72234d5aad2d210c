"""Schemathesis over the whole OpenAPI, signed in, in-process: no answer is a 5xx
(issue 15, acceptance).

Every operation of ``/api/openapi.json`` gets requests generated from the schema,
valid and invalid ones (Schemathesis' positive and negative modes, any code point in
strings, lone surrogates and NUL included), sent through Django's WSGI handler with a
real session past both factors and the CSRF cookie and header a browser sends. Each
operation is called by the person who calls it in a meeting (secretary, chair,
member; an operator for agencies). The data are a realistic committee: a hybrid
meeting open in the room (one member signed in at the room's terminal) with a poll
open on its current item, a resolution, a pending challenge and a leave of absence,
plus a draft meeting ahead. Path parameters and id fields in bodies are, three times
in four, the ids of that data, so the operations reach the services and not only the
404. Each case runs inside a savepoint rolled back afterwards, so every case meets
the same data; Hypothesis is derandomised, so a run is the same run every time, on
SQLite and on PostgreSQL.

Bounded for CI: ``2 * EXAMPLES`` cases per operation (fewer when an operation has
little to vary), about 1,400 requests in under a minute.

Schemathesis' own pytest loader (``schemathesis.pytest.from_fixture``) is not used: in
4.32 it renames the test node through ``_nodeid``, which pytest 9 no longer has. Its
strategies, hooks and checks are used directly, one pytest subtest per operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from werkzeug.test import Client

from prachum.attendance import absence as absences
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.room import participants
from prachum.room.facts import current_item
from prachum.voting import challenges, item_record, polls
from tests.sessions import session_for

pytestmark = pytest.mark.django_db

#: Valid cases per operation, and as many invalid ones.
EXAMPLES = 16

#: No 5xx; and what is answered is what the schema says (body and content type).
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

#: Who calls each operation: the person who does it in a real meeting.
CHAIR_PATHS = (
    "/polls/{poll_id}/open",
    "/polls/{poll_id}/close",
    "/polls/{poll_id}/casting-vote",
    "/polls/{poll_id}/hands",
    "/polls/{poll_id}/terminal/",
    "/polls/{poll_id}/paper-batches",
    "/items/{item_id}/polls",
    "/challenges/",
    "/resolutions/",
)
MEMBER_PATHS = (
    "/polls/{poll_id}/ballots",
    "/items/{item_id}/dissents",
    "/items/{item_id}/recusals",
    "/items/{item_id}/challenges",
)


def _browser(user: Any) -> dict[str, dict[str, str]]:
    """What a signed-in browser sends: its cookies and the CSRF header."""
    token = _get_new_csrf_string()
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: session_for(user),
            django_settings.CSRF_COOKIE_NAME: token,
        },
        "headers": {"X-CSRFToken": token, "Accept-Language": "th"},
    }


@pytest.fixture
def fuzz_world(
    room_settings: None,
    hybrid_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    present: Callable[..., Any],
    make_meeting: Callable[..., Meeting],
    committee: Any,
    agency: Any,
    chair: Any,
    secretary: Any,
    members: list[Any],
) -> dict[str, list[str]]:
    """The committee's data, by the name of the id that reaches it."""
    room = open_room(hybrid_meeting)
    present(secretary, room)  # the secretariat is in the room too
    # member5 votes at the room's terminal: signed in there by the secretary.
    participants.sign_in_at_room(actor=secretary, meeting=room, user=members[4])
    item = current_item(meeting=room)
    assert item is not None
    challenge = challenges.file_challenge(
        actor=members[0],
        item=item,
        member=members[4],
        ground="s13_2",
        facts="เป็นคู่สมรสของผู้ยื่นคำขอ",
    )
    resolution = item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    poll = polls.open_poll(
        actor=chair,
        poll=polls.create_poll(
            actor=chair, item=item, kind="motion", question="อนุมัติตามที่เสนอหรือไม่"
        ),
    )
    absence = absences.record_absence(
        actor=members[5], meeting=room, member=members[5], reason="ไปราชการต่างจังหวัด"
    )
    draft = make_meeting(days_ahead=20, title="การประชุมครั้งถัดไป")
    draft_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=draft, title="เรื่องที่เสนอเพื่อพิจารณา"
    )
    people = [chair, secretary, *members]
    return {
        "meeting_id": [str(room.pk), str(draft.pk)],
        "item_id": [str(item.pk), str(draft_item.pk)],
        "parent_id": [str(draft_item.pk), str(item.pk)],
        "poll_id": [str(poll.pk)],
        "absence_id": [str(absence.pk)],
        "challenge_id": [str(challenge.pk)],
        "resolution_id": [str(resolution.pk)],
        "committee_id": [str(committee.pk)],
        "agency_id": [str(agency.pk)],
        "member_id": [str(user.pk) for user in people],
        # At the terminal, by show of hands: the member in the room, one remote.
        "voter_id": [str(members[4].pk), str(members[1].pk)],
        "choice": ["yes", "no", "abstain"],
    }


def _real(generated: Any, world: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """Mostly the generated value with its ids (and choices) swapped for real ones."""
    if not isinstance(generated, dict):
        return st.just(generated)
    known = {name: st.sampled_from(world[name]) for name in generated if name in world}
    if not known:
        return st.just(generated)
    real = st.fixed_dictionaries(known).map(lambda values: {**generated, **values})
    return st.one_of(real, real, real, st.just(generated))


@pytest.fixture
def _fuzz_connection() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client
    does: the handler's signals would otherwise close it inside the test transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_browser(
    fuzz_world: dict[str, list[str]],
    chair: Any,
    secretary: Any,
    members: list[Any],
    operator: Any,
) -> Callable[[str], dict[str, dict[str, str]]]:
    """The browser of the person who calls ``path``."""
    by_role = {
        "chair": _browser(chair),
        "secretary": _browser(secretary),
        "member": _browser(members[0]),
        "operator": _browser(operator),
    }

    def browser_for(path: str) -> dict[str, dict[str, str]]:
        if path.startswith("/api/agencies"):
            return by_role["operator"]
        if any(part in path for part in CHAIR_PATHS):
            return by_role["chair"]
        if any(part in path for part in MEMBER_PATHS):
            return by_role["member"]
        return by_role["secretary"]

    return browser_for


@pytest.fixture
def api_schema(
    fuzz_world: dict[str, list[str]],
    fuzz_browser: Callable[[str], dict[str, dict[str, str]]],
    _fuzz_connection: None,
) -> Any:
    """The schema as the app serves it to a signed-in person, bound to the app."""
    app = WSGIHandler()
    client = Client(app)
    for name, value in fuzz_browser("/api/meetings")["cookies"].items():
        client.set_cookie(name, value, domain="localhost")
    served = client.get("/api/openapi.json")
    assert served.status_code == 200, served.status
    raw = served.json
    # The session is the browser's, not generated (nor left out) by Schemathesis.
    raw.get("components", {}).pop("securitySchemes", None)
    for operations in raw["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    # Any code point, lone surrogates included (issue 15, F5), not only UTF-8's.
    schema.config.generation.codec = None

    @schema.hook
    def flatmap_path_parameters(context: Any, parameters: Any) -> Any:
        return _real(parameters, fuzz_world)

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        return _real(body, fuzz_world)

    return schema


def _fuzz(
    operation: Any,
    browser_for: Callable[[str], dict[str, dict[str, str]]],
    statuses: list[int],
) -> None:
    """Send ``2 * EXAMPLES`` requests to ``operation``, valid and invalid ones."""
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=2 * EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        browser = browser_for(operation.path)
        savepoint = transaction.savepoint()
        try:
            response = case.call(headers=browser["headers"], cookies=browser["cookies"])
        finally:
            transaction.savepoint_rollback(savepoint)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    send()


def test_no_operation_answers_5xx(
    api_schema: Any,
    fuzz_browser: Callable[[str], dict[str, dict[str, str]]],
    subtests: Any,
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 47  # the whole API: a schema that lost paths fails
    for operation in operations:
        statuses: list[int] = []
        with subtests.test(operation=operation.label):
            _fuzz(operation, fuzz_browser, statuses)
            # The real ids reached the code behind the lookup at least once.
            assert set(statuses) - {404, 422}, (operation.label, statuses)
