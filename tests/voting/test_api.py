"""The REST endpoints call the same services: same refusals, same evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting.models import Poll, VoteParticipation
from tests.voting.conftest import option_ids

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.voting.urls")]


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_the_whole_open_vote_through_the_api(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
    logged_in_en: Callable[..., Client],
) -> None:
    staff = logged_in_en(secretary)
    created = _post(
        staff, f"/api/items/{item.pk}/polls", {"kind": "motion", "question": "อนุมัติ"}
    )
    assert created.status_code == 201, created.content
    poll_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    opened = _post(staff, f"/api/polls/{poll_id}/open", {})
    assert opened.status_code == 200
    assert opened.json()["eligible"] == 6
    for voter, choice in zip(voters[:3], ["yes", "yes", "no"], strict=True):
        cast = _post(
            logged_in_en(voter), f"/api/polls/{poll_id}/ballots", {"choice": choice}
        )
        assert cast.status_code == 201, cast.content
        assert "choice" not in cast.json()
    assert cast.json()["cast"] == 3
    progress = logged_in_en(voters[5]).get(f"/api/polls/{poll_id}/results").json()
    assert (progress["cast"], progress["eligible"], progress["result"]) == (3, 6, None)
    seen = logged_in_en(voters[5]).get(f"/api/polls/{poll_id}").json()
    assert [b["choice"] for b in seen["ballots"]] == [["yes"], ["yes"], ["no"]]
    assert seen["me"] == {"eligible": True, "voted": False}
    closed = _post(logged_in_en(chair), f"/api/polls/{poll_id}/close", {})
    assert closed.json()["result"]["outcome"] == "CARRIED"
    resolution = _post(
        staff,
        f"/api/items/{item.pk}/resolution",
        {"text": "ที่ประชุมมีมติอนุมัติ", "poll_id": poll_id},
    )
    assert resolution.status_code == 201
    dissent = _post(
        logged_in_en(voters[2]),
        f"/api/items/{item.pk}/dissents",
        {"opinion": "ไม่เห็นด้วย"},
    )
    assert dissent.status_code == 201
    record = logged_in_en(voters[4]).get(f"/api/items/{item.pk}/record").json()
    assert record["resolution"] == "ที่ประชุมมีมติอนุมัติ"
    assert record["dissents"][0]["member"] == str(voters[2].pk)
    kinds = [e.kind for e in list_events(chain_key=room.chain_key)]
    closed = list_events(chain_key=room.chain_key).filter(kind="poll.closed").last()
    assert len(closed.payload["ballots"]) == 3
    assert kinds[-2:] == ["item.resolution_recorded", "item.dissent_recorded"]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("closed", 400, "POLL_NOT_OPEN"),
        ("not_eligible", 403, "NOT_ELIGIBLE"),
        ("invalid", 400, "INVALID_CHOICE"),
        ("twice", 400, "ALREADY_VOTED"),
    ],
)
def test_refused_ballots_come_back_with_their_code(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
    make_poll: Callable[..., Poll],
    logged_in_en: Callable[..., Client],
    case: str,
    status: int,
    code: str,
) -> None:
    from prachum.voting import ballots, polls

    poll = make_poll(item, kind="one_of_n", options=["ก", "ข"], secret=True)
    a, _ = option_ids(poll)
    voter, choice = voters[1], [a]
    if case == "closed":
        polls.close_poll(actor=chair, poll=poll)
    elif case == "not_eligible":
        voter = secretary
    elif case == "invalid":
        choice = ["not-an-option"]
    elif case == "twice":
        ballots.cast_ballot(voter=voter, poll=poll, choice=[a])
    before = VoteParticipation.objects.count()
    response = _post(
        logged_in_en(voter), f"/api/polls/{poll.pk}/ballots", {"choice": choice}
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert VoteParticipation.objects.count() == before


def test_an_outsider_sees_no_poll_and_cannot_vote(
    room: Meeting,
    item: AgendaItem,
    outsider: Any,
    make_poll: Callable[..., Poll],
    logged_in_en: Callable[..., Client],
) -> None:
    poll = make_poll(item)
    client = logged_in_en(outsider)
    assert client.get(f"/api/polls/{poll.pk}").status_code == 404
    response = _post(client, f"/api/polls/{poll.pk}/ballots", {"choice": "yes"})
    assert response.status_code == 404


def test_not_logged_in_is_401(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll]
) -> None:
    poll = make_poll(item)
    assert Client().get(f"/api/polls/{poll.pk}").status_code == 401


def test_casting_vote_and_recusal_through_the_api(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
    make_poll: Callable[..., Poll],
    logged_in_en: Callable[..., Client],
) -> None:
    from prachum.voting import ballots, polls

    recused = _post(
        logged_in_en(secretary),
        f"/api/items/{item.pk}/recusals",
        {"member_id": str(voters[5].pk), "ground": "s13_2"},
    )
    assert recused.status_code == 201, recused.content
    poll = make_poll(item)
    assert poll.eligible_count == 5
    ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="no")
    polls.close_poll(actor=chair, poll=poll)
    refused = _post(
        logged_in_en(secretary), f"/api/polls/{poll.pk}/casting-vote", {"choice": "yes"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "CHAIR_ONLY")
    decided = _post(
        logged_in_en(chair), f"/api/polls/{poll.pk}/casting-vote", {"choice": "no"}
    )
    assert decided.status_code == 200
    assert decided.json()["result"]["outcome"] == "TIE_CASTING_VOTE"
    assert decided.json()["result"]["carried"] is False
    listed = logged_in_en(voters[0]).get(f"/api/items/{item.pk}/polls").json()
    assert [p["id"] for p in listed] == [str(poll.pk)]
