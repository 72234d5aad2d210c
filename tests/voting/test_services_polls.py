"""Creating, opening and closing polls: who may, what is frozen, what is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prachum.attendance.models import RoomState
from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.room.state import room_group
from prachum.voting import ballots, item_record, polls
from prachum.voting.models import EligibleVoter, Poll, PollStatus, RecusalGround
from tests.voting.conftest import refusal

pytestmark = pytest.mark.django_db


def _version(meeting: Meeting) -> int:
    return RoomState.objects.get(meeting=meeting).version


# --- create ------------------------------------------------------------------------------


def test_a_poll_is_created_as_a_draft_with_an_event(
    room: Meeting, item: AgendaItem, secretary: Any
) -> None:
    before = _version(room)
    poll = polls.create_poll(
        actor=secretary, item=item, kind="motion", question="  อนุมัติ  "
    )
    assert poll.status == PollStatus.DRAFT
    assert poll.question == "อนุมัติ"
    assert poll.is_secret is False
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "poll.created"
    assert event.payload["poll"] == str(poll.pk)
    assert event.payload["room_version"] == _version(room) == before + 1


def test_a_secret_items_polls_are_secret_unless_said_otherwise(
    secret_item: AgendaItem, chair: Any
) -> None:
    kwargs = {"actor": chair, "item": secret_item, "kind": "motion", "question": "Q"}
    assert polls.create_poll(**kwargs).is_secret is True
    assert polls.create_poll(**kwargs, secret=False).is_secret is False


def test_an_open_item_may_hold_a_secret_poll(
    room: Meeting, item: AgendaItem, chair: Any
) -> None:
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="Q", secret=True
    )
    assert poll.is_secret is True


@pytest.mark.parametrize(
    ("kind", "options", "max_choices"),
    [
        ("referendum", [], 1),
        ("motion", ["a", "b"], 1),
        ("motion", [], 2),
        ("one_of_n", ["only one"], 1),
        ("one_of_n", ["a", "a"], 1),
        ("one_of_n", ["a", "b"], 2),
        ("up_to_k_of_n", ["a", "b"], 3),
        ("up_to_k_of_n", ["a", "b"], 0),
    ],
)
def test_malformed_polls_are_refused(
    room: Meeting,
    item: AgendaItem,
    chair: Any,
    kind: str,
    options: list[str],
    max_choices: int,
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        polls.create_poll(
            actor=chair,
            item=item,
            kind=kind,
            question="Q",
            options=options,
            max_choices=max_choices,
        )
    assert refusal(excinfo) == "POLL_INVALID"
    assert not Poll.objects.exists()


def test_members_do_not_create_polls(
    room: Meeting, item: AgendaItem, member: Any
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        polls.create_poll(actor=member, item=item, kind="motion", question="Q")
    assert refusal(excinfo) == "NOT_ALLOWED"


# --- open: eligibility and quorum frozen (R23, R30) ------------------------------------------


def test_opening_freezes_the_voting_members_present(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
) -> None:
    poll = make_poll(item)
    assert poll.status == PollStatus.OPEN
    eligible = set(
        EligibleVoter.objects.filter(poll=poll).values_list("voter_id", flat=True)
    )
    assert eligible == {v.pk for v in voters[:6]}  # not member5/6 (away), not secretary
    assert poll.eligible_count == 6
    assert poll.base_members == 8
    assert poll.quorum_at_open["met"] is True
    assert poll.quorum_at_open["counted"] == 6
    assert poll.rule["kind"] == "simple_of_cast"
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "poll.opened"
    assert sorted(event.payload["eligible"]) == sorted(str(v.pk) for v in voters[:6])
    assert event.payload["quorum"] == poll.quorum_at_open


def test_opening_publishes_a_versioned_patch(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    listener = listen(room_group(room.pk))
    with django_capture_on_commit_callbacks(execute=True):
        poll = make_poll(item)
    events = listener.events()
    assert [e["type"] for e in events] == ["poll.created", "poll.opened"]
    assert events[1]["version"] == _version(room) == events[0]["version"] + 1
    assert events[1]["patch"]["poll"]["id"] == str(poll.pk)
    assert events[1]["patch"]["poll"]["status"] == "open"


def test_a_recused_member_is_not_eligible_and_leaves_the_base(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    item_record.record_recusal(
        actor=chair, item=item, member=voters[5], ground=RecusalGround.S13_3
    )
    poll = make_poll(item)
    assert poll.eligible_count == 5
    assert poll.base_members == 7
    assert poll.quorum_at_open["eligible"] == 7
    assert "RECUSALS_REDUCE_BASE" in [r["code"] for r in poll.quorum_at_open["reasons"]]
    assert not EligibleVoter.objects.filter(poll=poll, voter=voters[5]).exists()


def test_without_quorum_the_poll_opens_only_with_the_chairs_reason(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    leave: Callable[[Any, Meeting], None],
) -> None:
    for user in voters[2:5]:
        leave(user, room)  # three present of eight: the quorum is four
    poll = make_poll(item, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "QUORUM_NOT_MET"
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.DRAFT
    assert not EligibleVoter.objects.filter(poll=poll).exists()
    poll = polls.open_poll(
        actor=chair, poll=poll, without_quorum_reason="ประธานสั่งให้ลงมติ"
    )
    assert poll.status == PollStatus.OPEN
    assert poll.quorum_at_open["met"] is False
    assert poll.open_without_quorum_reason == "ประธานสั่งให้ลงมติ"
    event = list_events(chain_key=room.chain_key).last()
    assert event.payload["without_quorum_reason"] == "ประธานสั่งให้ลงมติ"


def test_a_body_may_vote_without_quorum_if_its_rule_says_so(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    leave: Callable[[Any, Meeting], None],
) -> None:
    from prachum.voting.models import CommitteeVotingRule

    CommitteeVotingRule.objects.create(committee=room.committee, quorum_required=False)
    for user in voters[2:5]:
        leave(user, room)
    poll = make_poll(item)
    assert poll.quorum_at_open["met"] is False
    assert poll.open_without_quorum_reason == ""


def test_a_reason_is_not_recorded_when_there_is_a_quorum(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], chair: Any
) -> None:
    poll = make_poll(item, open=False)
    poll = polls.open_poll(actor=chair, poll=poll, without_quorum_reason="x")
    assert poll.open_without_quorum_reason == ""


def test_only_the_current_item_can_be_voted_on(
    room: Meeting, make_poll: Callable[..., Poll], chair: Any
) -> None:
    other = room.agenda_items.filter(parent=None).order_by("position")[1]
    poll = make_poll(other, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "ITEM_NOT_CURRENT"


def test_one_live_poll_per_meeting(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], chair: Any
) -> None:
    make_poll(item)
    second = make_poll(item, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=second)
    assert refusal(excinfo) == "ANOTHER_POLL_LIVE"


def test_a_poll_opens_once(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], chair: Any
) -> None:
    poll = make_poll(item)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "POLL_NOT_DRAFT"


def test_no_poll_opens_before_the_meeting_does(
    notified_meeting: Meeting, make_poll: Callable[..., Poll], chair: Any
) -> None:
    first = notified_meeting.agenda_items.order_by("position").first()
    poll = make_poll(first, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "MEETING_NOT_OPEN"


def test_members_neither_open_nor_close_polls(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    member: Any,
) -> None:
    poll = make_poll(item, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=member, poll=poll)
    assert refusal(excinfo) == "NOT_ALLOWED"
    poll = make_poll(item)
    with pytest.raises(ServiceError) as excinfo:
        polls.close_poll(actor=member, poll=poll)
    assert refusal(excinfo) == "NOT_ALLOWED"


def test_the_secretary_opens_and_closes_on_the_chairs_instruction(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], secretary: Any
) -> None:
    poll = make_poll(item, actor=secretary)
    poll = polls.close_poll(actor=secretary, poll=poll)
    assert poll.closed_by == secretary


def test_no_poll_opens_when_no_voting_member_is_present(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    leave: Callable[[Any, Meeting], None],
) -> None:
    for user in voters[:6]:
        leave(user, room)
    poll = make_poll(item, open=False)
    with pytest.raises(ServiceError) as excinfo:
        polls.open_poll(actor=chair, poll=poll, without_quorum_reason="ทดสอบ")
    assert refusal(excinfo) == "NO_ELIGIBLE_VOTERS"


# --- close: quorum at closing stored ------------------------------------------------------


def test_closing_stores_the_quorum_then(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    leave: Callable[[Any, Meeting], None],
) -> None:
    poll = make_poll(item)
    leave(voters[5], room)
    poll = polls.close_poll(actor=chair, poll=poll)
    assert poll.quorum_at_open["counted"] == 6
    assert poll.quorum_at_close["counted"] == 5
    assert poll.quorum_at_close["met"] is True
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "poll.closed"
    assert event.payload["quorum"] == poll.quorum_at_close


def test_without_quorum_at_closing_the_chair_must_give_a_reason(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
    leave: Callable[[Any, Meeting], None],
) -> None:
    poll = make_poll(item)
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    for user in voters[2:5]:
        leave(user, room)
    with pytest.raises(ServiceError) as excinfo:
        polls.close_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "QUORUM_NOT_MET"
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.OPEN
    poll = polls.close_poll(
        actor=chair, poll=poll, without_quorum_reason="สมาชิกหลุดจากระบบ"
    )
    assert poll.status == PollStatus.CLOSED
    assert poll.quorum_at_close["met"] is False
    assert poll.close_without_quorum_reason == "สมาชิกหลุดจากระบบ"


def test_a_closed_poll_does_not_close_again(
    room: Meeting, item: AgendaItem, make_poll: Callable[..., Poll], chair: Any
) -> None:
    poll = polls.close_poll(actor=chair, poll=make_poll(item))
    with pytest.raises(ServiceError) as excinfo:
        polls.close_poll(actor=chair, poll=poll)
    assert refusal(excinfo) == "POLL_NOT_OPEN"


def test_the_poll_follows_the_meeting_onto_another_item(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    make_current: Callable[[AgendaItem], AgendaItem],
    chair: Any,
) -> None:
    """Moving on to the next item does not void a poll still open on this one."""
    poll = make_poll(item)
    make_current(room.agenda_items.filter(parent=None).order_by("position")[1])
    assert polls.close_poll(actor=chair, poll=poll).status == PollStatus.CLOSED


def test_a_poll_in_a_suspended_meeting_takes_no_ballots(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    chair: Any,
) -> None:
    poll = make_poll(item)
    room_lifecycle.suspend_meeting(actor=chair, meeting=room, reason="ไฟดับ")
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    assert refusal(excinfo) == "POLL_NOT_OPEN"


def test_the_room_snapshot_section_shows_the_live_poll_to_each_person(
    room: Meeting,
    item: AgendaItem,
    make_poll: Callable[..., Poll],
    voters: list[Any],
    secretary: Any,
) -> None:
    from prachum.voting import selectors

    assert selectors.poll_snapshot(meeting=room, user=voters[0]) is None
    poll = make_poll(item)
    ballots.cast_ballot(voter=voters[0], poll=poll, choice="yes")
    mine = selectors.poll_snapshot(meeting=room, user=voters[0])
    assert mine["id"] == str(poll.pk)
    assert mine["me"] == {"eligible": True, "voted": True}
    theirs = selectors.poll_snapshot(meeting=room, user=secretary)
    assert theirs["me"] == {"eligible": False, "voted": False}
    assert theirs["cast"] == 1
