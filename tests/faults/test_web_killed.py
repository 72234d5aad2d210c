"""The web process is killed (``kill -9``) while a poll is open (issue 15 point 10).

No ballot the server acknowledged (HTTP 201) is lost; a ballot whose answer never came
is either counted once or may be cast again; the room's sockets reconnect to the
restarted process, which ends the dead process's connections so nobody stays
"present" through a socket that no longer exists. A secret poll's ballot box lived in
the killed process's memory: ballots are refused with a clear error and the close
voids the poll with its reason (ADR 0008 decision 6).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from prachum.attendance.models import Connection, RoomState
from prachum.evidence.selectors import list_events
from prachum.voting.models import Poll, VoteParticipation
from tests.faults.clients import Api, RoomClient
from tests.faults.processes import WebProcess

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def meeting_on_one_web_process(
    notified_meeting: Any,
    chair: Any,
    vice_chair: Any,
    members: list[Any],
    identified: Callable[..., Any],
    room_settings: None,
    start_web: Callable[..., WebProcess],
    people_in_room: Callable[..., dict[Any, RoomClient]],
) -> tuple[WebProcess, Any, list[Any], dict[Any, RoomClient]]:
    """An open meeting on a real web process, the eight voters' sockets in it."""
    voters = [chair, vice_chair, *members]
    for user in voters:
        identified(user, notified_meeting)
    web = start_web("web-1")
    clients = people_in_room(web, notified_meeting, voters)
    answer = clients[chair].command({"type": "meeting.open"})
    assert answer["type"] == "ack", answer
    return web, notified_meeting, voters, clients


def _current_item_id(meeting: Any) -> str:
    return str(RoomState.objects.get(meeting=meeting).current_item_id)


def _open_poll(api: Api, meeting: Any, *, secret: bool) -> str:
    status, poll = api.post(
        f"/api/items/{_current_item_id(meeting)}/polls",
        {"kind": "motion", "question": "อนุมัติตามที่เสนอหรือไม่", "secret": secret},
    )
    assert status == 201, poll
    status, opened = api.post(f"/api/polls/{poll['id']}/open", {})
    assert status == 200, opened
    assert opened["status"] == "open"
    return str(poll["id"])


def _cast(api: Api, poll_id: str, choice: str) -> tuple[int, Any]:
    try:
        return api.post(f"/api/polls/{poll_id}/ballots", {"choice": choice})
    except OSError as exc:  # the process died under the request: no answer
        return 0, repr(exc)


def _kill_while_casting(
    web: WebProcess, apis: list[Api], poll_id: str, choices: list[str]
) -> list[tuple[int, Any]]:
    """Cast every ballot at once and kill the web process while they are in flight."""
    with ThreadPoolExecutor(max_workers=len(apis)) as pool:
        futures = [
            pool.submit(_cast, api, poll_id, choice)
            for api, choice in zip(apis, choices, strict=True)
        ]
        web.kill9()
        return [future.result() for future in futures]


def _everyone_back(clients: dict[Any, RoomClient]) -> None:
    """Every socket reconnected to the new process and took a fresh snapshot."""
    for user, client in clients.items():
        client.wait_until(
            lambda c: c.connects >= 2 and c.seen()[0] is not None,
            seconds=30,
            what=f"{user.username} reconnected",
        )


def _open_connections(meeting: Any, user: Any) -> int:
    return Connection.objects.filter(
        meeting=meeting, user=user, disconnected_at__isnull=True
    ).count()


def test_killed_during_an_open_poll_no_acknowledged_ballot_is_lost(
    meeting_on_one_web_process: tuple[
        WebProcess, Any, list[Any], dict[Any, RoomClient]
    ],
    api_for: Callable[[WebProcess, Any], Api],
    chair: Any,
) -> None:
    web, meeting, voters, clients = meeting_on_one_web_process
    apis = {user: api_for(web, user) for user in voters}
    poll_id = _open_poll(apis[chair], meeting, secret=False)
    choices = {user: ("yes" if i % 3 else "no") for i, user in enumerate(voters)}

    # Three ballots answered before the fault, five in flight when it strikes.
    before = [_cast(apis[u], poll_id, choices[u]) for u in voters[:3]]
    assert [status for status, _ in before] == [201, 201, 201], before
    in_flight = voters[3:]
    outcome = _kill_while_casting(
        web, [apis[u] for u in in_flight], poll_id, [choices[u] for u in in_flight]
    )
    acknowledged = set(voters[:3]) | {
        u for u, (status, _) in zip(in_flight, outcome, strict=True) if status == 201
    }
    assert all(status in (0, 201) for status, _ in outcome), outcome

    web.start()
    _everyone_back(clients)
    # Whoever got no answer tries again: counted once either way.
    for user in voters:
        if user in acknowledged:
            continue
        status, body = _cast(apis[user], poll_id, choices[user])
        assert status == 201 or body.get("code") == "ALREADY_VOTED", (status, body)
    # An acknowledged voter trying again is told so: the first ballot stands.
    status, body = _cast(apis[voters[0]], poll_id, "abstain")
    assert (status, body["code"]) == (400, "ALREADY_VOTED"), body

    status, closed = apis[chair].post(f"/api/polls/{poll_id}/close", {})
    assert status == 200, closed
    assert closed["status"] == "closed"
    by_voter = {str(b["voter"]): b["choice"] for b in closed["ballots"]}
    for user in voters:  # every ballot once, with the choice the voter made
        assert by_voter[str(user.pk)] == [choices[user]], (user.username, closed)
    assert len(closed["ballots"]) == len(voters)
    assert VoteParticipation.objects.filter(poll_id=poll_id).count() == len(voters)

    # The dead process's connections were ended, not left "present" for good.
    for user in voters:
        assert _open_connections(meeting, user) == 1, user.username
    lost = Connection.objects.filter(meeting=meeting, disconnect_reason="lost")
    assert lost.count() == len(voters)


def test_killed_during_a_secret_poll_the_poll_is_voided_with_its_reason(
    meeting_on_one_web_process: tuple[
        WebProcess, Any, list[Any], dict[Any, RoomClient]
    ],
    api_for: Callable[[WebProcess, Any], Api],
    chair: Any,
) -> None:
    web, meeting, voters, clients = meeting_on_one_web_process
    apis = {user: api_for(web, user) for user in voters}
    poll_id = _open_poll(apis[chair], meeting, secret=True)
    for user in voters[:4]:
        status, body = _cast(apis[user], poll_id, "yes")
        assert status == 201, body

    web.kill9()
    web.start()
    _everyone_back(clients)

    status, body = _cast(apis[voters[5]], poll_id, "no")
    assert (status, body["code"]) == (400, "BALLOT_BOX_UNAVAILABLE"), body
    assert "ลงคะแนน" in body["message"] or "หีบ" in body["message"], body["message"]
    # Nothing was written for the refused ballot.
    assert not VoteParticipation.objects.filter(
        poll_id=poll_id, voter=voters[5]
    ).exists()

    status, closed = apis[chair].post(f"/api/polls/{poll_id}/close", {})
    assert status == 200, closed
    assert closed["status"] == "voided"
    poll = Poll.objects.get(pk=poll_id)
    assert poll.status == "voided"
    # Who tried stays on record; what they chose is gone with the key.
    assert VoteParticipation.objects.filter(poll_id=poll_id).count() == 4
    event = list_events(chain_key=meeting.chain_key).filter(kind="poll.voided").last()
    assert event is not None
    assert poll.outcome == "BALLOT_BOX_LOST", poll.outcome
    assert event.payload["poll"] == poll_id
