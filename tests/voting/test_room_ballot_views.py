"""The room's ballots over HTTP and the REST API: the secretary's page (show of hands,
"unlock for", paper batch) and the room ballot terminal, which shows nothing of
earlier ballots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import room_ballots
from prachum.voting.models import (
    OpenBallot,
    PaperBallotBatch,
    Poll,
    TerminalUnlock,
    VoteParticipation,
)
from tests.voting.conftest import option_ids

pytestmark = pytest.mark.django_db


def _url(name: str, meeting: Meeting) -> str:
    return reverse(f"attendance:{name}", kwargs={"pk": meeting.pk})


def test_the_secretary_records_hands_from_the_page(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Client],
) -> None:
    poll = make_poll(item, secret=False)
    console = client_for(secretary)
    page = console.get(_url("room_ballots", hybrid_room)).content.decode()
    for member in voters[6:]:
        assert member.display_name in page
    assert voters[2].display_name not in page  # remote: not offered for hands
    assert "ยกมือ" in page  # Thai on a Thai screen
    response = console.post(
        _url("hand_vote", hybrid_room),
        {"poll": poll.pk, "voter": voters[6].pk, "choice": "yes"},
    )
    assert response.status_code == 302
    assert OpenBallot.objects.get(poll=poll, voter=voters[6]).channel == "hands"
    after = console.get(_url("room_ballots", hybrid_room)).content.decode()
    assert f'data-voter="{voters[6].pk}"' not in after
    assert f'data-voter="{voters[7].pk}"' in after


def test_members_cannot_use_the_room_ballot_pages(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    client_for: Callable[..., Client],
) -> None:
    poll = make_poll(item, secret=True)
    member = client_for(voters[2])
    assert member.get(_url("room_ballots", hybrid_room)).status_code == 403
    assert member.get(_url("terminal", hybrid_room)).status_code == 403
    response = member.post(
        _url("terminal_unlock", hybrid_room), {"poll": poll.pk, "voter": voters[2].pk}
    )
    assert response.status_code == 403
    assert not TerminalUnlock.objects.exists()


def test_the_terminal_shows_the_member_and_the_question_only(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Client],
) -> None:
    poll = make_poll(item, kind="one_of_n", options=["นาย ก", "นาง ข"], secret=True)
    console = client_for(secretary)
    terminal = client_for(secretary)
    locked = terminal.get(_url("terminal", hybrid_room))
    assert locked["Refresh"] == "3"
    assert "ล็อก" in locked.content.decode()
    assert poll.question not in locked.content.decode()

    console.post(
        _url("terminal_unlock", hybrid_room), {"poll": poll.pk, "voter": voters[6].pk}
    )
    shown = terminal.get(_url("terminal", hybrid_room)).content.decode()
    assert voters[6].display_name in shown
    assert poll.question in shown
    token = shown.split('name="token" value="')[1].split('"')[0]
    a, _b = option_ids(poll)
    response = terminal.post(
        _url("terminal_cast", hybrid_room),
        {"poll": poll.pk, "token": token, "choice": a},
    )
    assert response.status_code == 302
    assert VoteParticipation.objects.get(poll=poll, voter=voters[6]).channel == (
        "terminal"
    )
    # The next member sees nothing of the first: not the name, not a count, not the
    # choice made; the confirmation is consumed by the first screen after the ballot.
    terminal.get(_url("terminal", hybrid_room))
    console.post(
        _url("terminal_unlock", hybrid_room), {"poll": poll.pk, "voter": voters[7].pk}
    )
    next_screen = terminal.get(_url("terminal", hybrid_room)).content.decode()
    assert voters[7].display_name in next_screen
    assert voters[6].display_name not in next_screen
    assert "1 / 8" not in next_screen
    assert "/ 8" not in next_screen
    assert f'value="{a}" checked' not in next_screen
    # A second terminal (or a reload) gets no token for the same unlock.
    again = client_for(secretary).get(_url("terminal", hybrid_room)).content.decode()
    assert 'name="token"' not in again


def test_a_paper_batch_from_the_page(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    chair: Any,
    client_for: Callable[..., Client],
) -> None:
    poll = make_poll(item, secret=True)
    console = client_for(secretary)
    page = console.get(_url("room_ballots", hybrid_room)).content.decode()
    assert 'name="count_yes"' in page
    assert 'name="teller_2"' in page
    response = console.post(
        _url("paper_batch", hybrid_room),
        {
            "poll": poll.pk,
            "teller_1": chair.pk,
            "teller_2": chair.pk,
            "count_yes": "1",
            "voters": [voters[6].pk],
        },
        follow=True,
    )
    assert "ผู้ตรวจนับ" in response.content.decode()  # the refusal, in Thai
    assert not PaperBallotBatch.objects.exists()
    console.post(
        _url("paper_batch", hybrid_room),
        {
            "poll": poll.pk,
            "teller_1": chair.pk,
            "teller_2": secretary.pk,
            "count_yes": "1",
            "count_no": "1",
            "voters": [voters[6].pk, voters[7].pk],
        },
    )
    assert PaperBallotBatch.objects.get(poll=poll).ballots == 2


def test_the_room_ballots_through_the_api(
    hybrid_room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
    chair: Any,
    logged_in_en: Callable[..., Client],
) -> None:
    poll = make_poll(item, secret=True)
    api = logged_in_en(secretary)

    def post(path: str, body: dict[str, Any]) -> Any:
        return api.post(
            f"/api/polls/{poll.pk}/{path}", body, content_type="application/json"
        )

    panel = api.get(f"/api/polls/{poll.pk}/room").json()
    assert [p["id"] for p in panel["waiting"]] == sorted(str(u.pk) for u in voters[6:])
    assert post("hands", {"voter_id": str(voters[6].pk), "choice": "yes"}).json()[
        "code"
    ] == ("WRONG_CHANNEL")
    unlocked = post("terminal/unlock", {"voter_id": str(voters[6].pk)})
    assert unlocked.status_code == 201
    claimed = post("terminal/claim", {}).json()
    assert claimed["unlocked"]
    assert claimed["name"] == voters[6].display_name
    assert set(claimed["ballot"]) == {
        "poll",
        "kind",
        "question",
        "max_choices",
        "options",
    }
    cast = post("terminal/ballots", {"token": claimed["token"], "choice": "no"})
    assert cast.status_code == 201
    assert "no" not in cast.content.decode()
    again = post("terminal/ballots", {"token": claimed["token"], "choice": "no"})
    assert again.json()["code"] == "TERMINAL_TOKEN_INVALID"
    batch = post(
        "paper-batches",
        {
            "teller_ids": [str(chair.pk), str(secretary.pk)],
            "voter_ids": [str(voters[7].pk)],
            "counts": {"yes": 1},
        },
    )
    assert batch.status_code == 201
    assert batch.json()["ballots"] == 1
    member = logged_in_en(voters[2])
    assert member.get(f"/api/polls/{poll.pk}/room").status_code == 403
    closed = api.post(
        f"/api/polls/{poll.pk}/close", {}, content_type="application/json"
    ).json()
    assert closed["result"]["channels"] == {
        "device": 0,
        "hands": 0,
        "terminal": 1,
        "paper": 1,
    }
    assert closed["result"]["tally"] == {"yes": 1, "no": 1, "abstain": 0}
    assert room_ballots.claim_terminal(actor=secretary, meeting=hybrid_room) is None
