"""Recusals (R30), resolutions and dissents (APA s.83; R52): the item's record for the
minutes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from prachum.attendance.models import IdentityCheck
from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import ballots, dissents, item_record, polls, selectors
from prachum.voting.models import Dissent, Poll, Recusal, Resolution
from tests.voting.conftest import refusal

pytestmark = pytest.mark.django_db


def test_a_recusal_is_recorded_with_its_ground_and_shown_in_the_record(
    room: Meeting, item: AgendaItem, voters: list[Any], secretary: Any
) -> None:
    recusal = item_record.record_recusal(
        actor=secretary,
        item=item,
        member=voters[4],
        ground="s13_3",
        kind="challenged",
        detail="เป็นบุตรของผู้ยื่นคำขอ",
    )
    assert (recusal.recorded_by, recusal.ground, recusal.kind) == (
        secretary,
        "s13_3",
        "challenged",
    )
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "item.recusal_recorded"
    assert event.payload["member"] == str(voters[4].pk)
    record = selectors.item_record(item=item)
    assert record["recusals"][0]["name"] == voters[4].display_name
    assert record["recusals"][0]["detail"] == "เป็นบุตรของผู้ยื่นคำขอ"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("member_records", "NOT_ALLOWED"),
        ("secretary_recused", "NOT_A_MEMBER"),
        ("twice", "ALREADY_RECUSED"),
        ("bad_ground", "INVALID_GROUND"),
        ("during_poll", "POLL_IN_PROGRESS"),
    ],
)
def test_recusal_refusals(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    chair: Any,
    make_poll: Callable[..., Poll],
    case: str,
    code: str,
) -> None:
    kwargs: dict[str, Any] = {
        "actor": chair,
        "item": item,
        "member": voters[4],
        "ground": "s13_1",
    }
    if case == "member_records":
        kwargs["actor"] = voters[2]
    elif case == "secretary_recused":
        kwargs["member"] = secretary
    elif case == "twice":
        item_record.record_recusal(**kwargs)
    elif case == "bad_ground":
        kwargs["ground"] = "s99"
    elif case == "during_poll":
        make_poll(item)
    before = Recusal.objects.count()
    with pytest.raises(ServiceError) as excinfo:
        item_record.record_recusal(**kwargs)
    assert refusal(excinfo) == code
    assert Recusal.objects.count() == before


def test_a_recused_member_cannot_vote_on_the_item(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    make_poll: Callable[..., Poll],
) -> None:
    item_record.record_recusal(actor=chair, item=item, member=voters[2], ground="s13_5")
    poll = make_poll(item)
    with pytest.raises(ServiceError) as excinfo:
        ballots.cast_ballot(voter=voters[2], poll=poll, choice="yes")
    assert refusal(excinfo) == "NOT_ELIGIBLE"


def test_a_resolution_cites_its_poll_and_a_later_one_supersedes_it(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
    make_poll: Callable[..., Poll],
) -> None:
    poll = make_poll(item)
    ballots.cast_ballot(voter=voters[1], poll=poll, choice="yes")
    with pytest.raises(ServiceError) as excinfo:
        item_record.record_resolution(actor=chair, item=item, text="อนุมัติ", poll=poll)
    assert refusal(excinfo) == "POLL_NOT_CLOSED"
    poll = polls.close_poll(actor=chair, poll=poll)
    first = item_record.record_resolution(
        actor=secretary, item=item, text="ที่ประชุมมีมติอนุมัติ", poll=poll
    )
    assert first.poll == poll
    item_record.record_resolution(
        actor=chair, item=item, text="ที่ประชุมมีมติอนุมัติ โดยมีเงื่อนไข"
    )
    record = selectors.item_record(item=item)
    assert record["resolution"] == "ที่ประชุมมีมติอนุมัติ โดยมีเงื่อนไข"
    assert [r["text"] for r in record["resolution_history"]] == [
        "ที่ประชุมมีมติอนุมัติ",
        "ที่ประชุมมีมติอนุมัติ โดยมีเงื่อนไข",
    ]
    assert record["polls"][0]["result"]["outcome"] == "CARRIED"
    kinds = [e.kind for e in list_events(chain_key=room.chain_key)][-2:]
    assert kinds == ["item.resolution_recorded", "item.resolution_recorded"]


@pytest.mark.parametrize(
    ("who", "text", "code"),
    [("member", "อนุมัติ", "NOT_ALLOWED"), ("chair", "  ", "REQUIRED")],
)
def test_resolution_refusals(
    room: Meeting,
    item: AgendaItem,
    chair: Any,
    member: Any,
    who: str,
    text: str,
    code: str,
) -> None:
    actor = {"member": member, "chair": chair}[who]
    with pytest.raises(ServiceError) as excinfo:
        item_record.record_resolution(actor=actor, item=item, text=text)
    assert refusal(excinfo) == code
    assert not Resolution.objects.exists()


def test_no_resolution_before_the_meeting_is_held(
    notified_meeting: Meeting, chair: Any
) -> None:
    first = notified_meeting.agenda_items.order_by("position").first()
    with pytest.raises(ServiceError) as excinfo:
        item_record.record_resolution(actor=chair, item=first, text="x")
    assert refusal(excinfo) == "MEETING_NOT_OPEN"


def test_a_member_records_their_own_dissent_and_the_secretary_a_written_one(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
) -> None:
    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    mine = item_record.record_dissent(
        actor=voters[3],
        item=item,
        member=voters[3],
        opinion="ไม่เห็นด้วย เพราะงบประมาณไม่พอ",
    )
    assert mine.recorded_by == voters[3]
    item_record.record_dissent(
        actor=secretary,
        item=item,
        member=voters[7],
        opinion="ความเห็นแย้งเป็นหนังสือ: ขัดระเบียบ",
    )
    record = selectors.item_record(item=item)
    assert [(d["name"], d["opinion"]) for d in record["dissents"]] == [
        (voters[3].display_name, "ไม่เห็นด้วย เพราะงบประมาณไม่พอ"),
        (voters[7].display_name, "ความเห็นแย้งเป็นหนังสือ: ขัดระเบียบ"),
    ]
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "item.dissent_recorded"
    assert event.payload["opinion"] == "ความเห็นแย้งเป็นหนังสือ: ขัดระเบียบ"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("for_someone_else", "NOT_ALLOWED"),
        ("not_a_member", "NOT_A_MEMBER"),
        ("no_reasons", "REQUIRED"),
        ("outsider", "NOT_ALLOWED"),
        ("no_resolution", "NO_RESOLUTION"),
        ("was_away", "NOT_PRESENT_FOR_ITEM"),
        ("withdrew", "NOT_PRESENT_FOR_ITEM"),
    ],
)
def test_dissent_refusals(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    outsider: Any,
    case: str,
    code: str,
) -> None:
    kwargs: dict[str, Any] = {
        "actor": voters[3],
        "item": item,
        "member": voters[3],
        "opinion": "ไม่เห็นด้วย",
    }
    if case == "for_someone_else":
        kwargs["member"] = voters[4]
    elif case == "not_a_member":
        kwargs.update(actor=secretary, member=secretary)
    elif case == "no_reasons":
        kwargs["opinion"] = ""
    elif case == "outsider":
        kwargs.update(actor=outsider, member=outsider)
    elif case == "was_away":  # member5 is not at the meeting
        kwargs.update(actor=voters[6], member=voters[6])
    elif case == "withdrew":
        item_record.record_recusal(
            actor=secretary, item=item, member=voters[3], ground="s13_3"
        )
    if case != "no_resolution":
        item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    with pytest.raises(ServiceError) as excinfo:
        item_record.record_dissent(**kwargs)
    assert refusal(excinfo) == code
    assert not Dissent.objects.exists()


def test_a_member_on_the_list_of_a_vote_on_the_item_may_dissent_after_leaving(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    secretary: Any,
) -> None:
    """On the frozen list of a vote on the item they attended it, even if their
    identity check was revoked since (they left the meeting)."""
    poll = polls.create_poll(actor=chair, item=item, kind="motion", question="อนุมัติ")
    polls.open_poll(actor=chair, poll=poll)
    polls.close_poll(actor=chair, poll=poll)
    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    IdentityCheck.objects.filter(meeting=room, user=voters[3]).update(
        revoked_at=timezone.now()
    )
    assert dissents.attended_item(item=item, member=voters[3])
    assert not dissents.attended_item(item=item, member=voters[6])
    dissent = item_record.record_dissent(
        actor=voters[3], item=item, member=voters[3], opinion="ไม่เห็นด้วย"
    )
    assert dissent.member == voters[3]
    choices = dissents.own_dissent_items(meeting=room, member=voters[3])
    assert [(c.number, c.resolution, c.mine) for c in choices] == [
        ("1", "อนุมัติ", ["ไม่เห็นด้วย"])
    ]
    assert dissents.own_dissent_items(meeting=room, member=voters[6]) == []
    assert dissents.own_dissent_items(meeting=room, member=secretary) == []
