"""Challenges (คัดค้าน) and their effect (APA ss.13-17; R30, R75, R76). The room: eight
voting members, six present (chair, vice-chair, member1-4); the current item."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from prachum.core.errors import ServiceError
from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import lifecycle as room_lifecycle
from prachum.verify.challenges import challenges as verify_challenges
from prachum.verify.report import Report
from prachum.voting import ballots, challenges, item_record, polls, selectors
from prachum.voting.challenge_exports import challenge_files
from prachum.voting.models import Challenge, EligibleVoter, Poll, Recusal
from tests.voting.conftest import refusal

pytestmark = pytest.mark.django_db

FACTS = "กรรมการผู้นี้เป็นบุตรของผู้ยื่นคำขอในเรื่องนี้"


def _file(actor: Any, item: AgendaItem, member: Any, **kwargs: Any) -> Challenge:
    args = {"ground": "s13_3", "facts": FACTS} | kwargs
    return challenges.file_challenge(actor=actor, item=item, member=member, **args)


def test_a_written_challenge_is_addressed_by_its_ground_with_evidence(
    room: Meeting, item: AgendaItem, voters: list[Any], secretary: Any
) -> None:
    s13 = _file(voters[2], item, voters[4])
    assert (s13.addressed_to, s13.challenger_name) == ("chair", voters[2].display_name)
    s16 = _file(
        secretary,
        item,
        voters[5],
        ground="s16",
        facts="มีข้อพิพาทส่วนตัวกับผู้ยื่นคำขอ",
        challenger_name="นายผู้ยื่น คำขอ (คู่กรณี)",
    )
    assert (s16.addressed_to, s16.challenger_name) == (
        "member",
        "นายผู้ยื่น คำขอ (คู่กรณี)",
    )
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "item.challenge_filed"
    assert event.payload["addressed_to"] == "member"
    assert event.payload["facts"] == "มีข้อพิพาทส่วนตัวกับผู้ยื่นคำขอ"


@pytest.mark.parametrize(
    ("ground", "facts", "field"),
    [("", FACTS, "ground"), ("s13_3", "  ", "facts"), ("s99", FACTS, "ground")],
)
def test_a_challenge_without_ground_or_facts_is_refused(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    ground: str,
    facts: str,
    field: str,
) -> None:
    with pytest.raises(ServiceError) as exc:
        _file(voters[2], item, voters[4], ground=ground, facts=facts)
    assert (refusal(exc), exc.value.field) == ("CHALLENGE_INVALID", field)
    assert not Challenge.objects.exists()


def test_a_member_files_only_in_their_own_name(
    room: Meeting, item: AgendaItem, voters: list[Any], outsider: Any
) -> None:
    mine = _file(voters[2], item, voters[4], challenger_name="คนอื่น")
    assert mine.challenger_name == voters[2].display_name
    with pytest.raises(ServiceError) as exc:
        _file(outsider, item, voters[5])
    assert refusal(exc) == "NOT_ALLOWED"


def test_only_voting_members_are_challenged_and_once_at_a_time(
    room: Meeting, item: AgendaItem, voters: list[Any], secretary: Any
) -> None:
    with pytest.raises(ServiceError) as exc:
        _file(voters[0], item, secretary)
    assert refusal(exc) == "NOT_A_MEMBER"
    _file(voters[0], item, voters[4])
    with pytest.raises(ServiceError) as exc:
        _file(voters[1], item, voters[4])
    assert refusal(exc) == "CHALLENGE_PENDING"


def test_while_pending_the_member_is_out_of_the_items_base(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any
) -> None:
    before = selectors.item_quorum(meeting=room, item=item)
    _file(chair, item, voters[4])
    during = selectors.item_quorum(meeting=room, item=item)
    assert (before.eligible, during.eligible) == (8, 7)  # s.15 para 2
    assert str(voters[4].pk) not in during.counted_ids


def test_upheld_the_member_leaves_the_items_base_and_its_votes(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    make_poll: Callable[..., Poll],
) -> None:
    challenge = _file(chair, item, voters[4])
    # the meeting votes on "may the member go on?" without the challenged member
    poll = make_poll(item, question="ให้กรรมการผู้ถูกคัดค้านปฏิบัติหน้าที่ต่อไปหรือไม่")
    eligible = set(
        EligibleVoter.objects.filter(poll=poll).values_list("voter_id", flat=True)
    )
    assert voters[4].pk not in eligible
    assert len(eligible) == 5
    for n, voter in enumerate(voters[:4]):
        ballots.cast_ballot(
            voter=voter, poll=poll, choice=["yes", "no", "yes", "yes"][n]
        )
    polls.close_poll(actor=chair, poll=poll)
    decided = challenges.decide_challenge(
        actor=chair, challenge=challenge, votes_continue=3, votes_remove=1, poll=poll
    )
    assert decided.outcome == "upheld"
    recusal = Recusal.objects.get(item=item, member=voters[4])
    assert (recusal.kind, recusal.ground, recusal.detail) == (
        "challenged",
        "s13_3",
        FACTS,
    )
    assert decided.recusal == recusal
    status = selectors.item_quorum(meeting=room, item=item)
    assert status.eligible == 7
    assert str(voters[4].pk) not in status.counted_ids
    later = make_poll(item)
    assert not EligibleVoter.objects.filter(poll=later, voter=voters[4]).exists()
    event = (
        list_events(chain_key=room.chain_key)
        .filter(kind="item.challenge_decided")
        .get()
    )
    assert event.payload["outcome"] == "upheld"
    assert event.payload["tally"] == [3, 1, 0]  # 3 < 5 = 2/3 of 7
    assert (event.payload["unchallenged"], event.payload["required_to_continue"]) == (
        7,
        5,
    )
    assert event.payload["poll"] == str(poll.pk)


def test_rejected_the_member_is_back_in_the_base(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any
) -> None:
    challenge = _file(chair, item, voters[4])
    decided = challenges.decide_challenge(
        actor=chair, challenge=challenge, votes_continue=5, votes_remove=0
    )
    assert decided.outcome == "rejected"
    assert decided.recusal is None
    assert not Recusal.objects.exists()
    status = selectors.item_quorum(meeting=room, item=item)
    assert status.eligible == 8
    assert str(voters[4].pk) in status.counted_ids
    with pytest.raises(ServiceError) as exc:
        challenges.decide_challenge(
            actor=chair, challenge=challenge, votes_continue=0, votes_remove=5
        )
    assert refusal(exc) == "CHALLENGE_DECIDED"


def test_a_tally_larger_than_the_unchallenged_members_is_refused(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any
) -> None:
    challenge = _file(chair, item, voters[4])
    with pytest.raises(ServiceError) as exc:
        challenges.decide_challenge(
            actor=chair, challenge=challenge, votes_continue=6, votes_remove=2
        )
    assert refusal(exc) == "CHALLENGE_TALLY_INVALID"
    challenge.refresh_from_db()
    assert challenge.outcome == "pending"


def test_only_the_chair_or_secretariat_decide_and_only_in_session(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any
) -> None:
    challenge = _file(chair, item, voters[4])
    with pytest.raises(ServiceError) as exc:
        challenges.decide_challenge(
            actor=voters[3], challenge=challenge, votes_continue=5, votes_remove=0
        )
    assert refusal(exc) == "NOT_ALLOWED"
    room_lifecycle.close_meeting(actor=chair, meeting=room)
    with pytest.raises(ServiceError) as exc:
        challenges.decide_challenge(
            actor=chair, challenge=challenge, votes_continue=5, votes_remove=0
        )
    assert refusal(exc) == "MEETING_NOT_OPEN"


def test_a_decision_cites_only_a_closed_poll_on_the_item(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    chair: Any,
    make_poll: Callable[..., Poll],
) -> None:
    challenge = _file(chair, item, voters[4])
    live = make_poll(item)
    with pytest.raises(ServiceError) as exc:
        challenges.decide_challenge(
            actor=chair,
            challenge=challenge,
            votes_continue=5,
            votes_remove=0,
            poll=live,
        )
    assert refusal(exc) == "POLL_NOT_CLOSED"
    with pytest.raises(ServiceError) as exc:
        _file(chair, item, voters[3])
    assert refusal(exc) == "POLL_IN_PROGRESS"


def test_earlier_resolutions_stay_valid_and_the_chair_may_flag_a_redo(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any, secretary: Any
) -> None:
    resolution = item_record.record_resolution(
        actor=secretary, item=item, text="อนุมัติตามที่เสนอ"
    )
    challenge = _file(chair, item, voters[4])
    challenges.decide_challenge(
        actor=chair, challenge=challenge, votes_continue=0, votes_remove=7
    )
    resolution.refresh_from_db()
    assert resolution.redo_requested is False  # s.17: not annulled by the suspension
    with pytest.raises(ServiceError) as exc:
        challenges.flag_redo(actor=secretary, resolution=resolution)
    assert refusal(exc) == "CHAIR_ONLY"
    challenges.flag_redo(
        actor=chair, resolution=resolution, reason="กรรมการผู้ถูกคัดค้านร่วมลงมติ"
    )
    resolution.refresh_from_db()
    assert resolution.redo_requested is True
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "item.resolution_redo_flagged"
    assert event.payload["reason"] == "กรรมการผู้ถูกคัดค้านร่วมลงมติ"


def test_the_package_file_and_verify_recompute_challenges(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any, secretary: Any
) -> None:
    decided = _file(chair, item, voters[4])
    challenges.decide_challenge(
        actor=chair, challenge=decided, votes_continue=1, votes_remove=6
    )
    _file(voters[0], item, voters[3], ground="s16")
    resolution = item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    challenges.flag_redo(actor=chair, resolution=resolution)
    events = [
        {"body": {"seq": e.seq, "kind": e.kind, "payload": e.payload}}
        for e in list_events(chain_key=room.chain_key)
    ]
    files = dict(challenge_files(room))
    stored = json.loads(files["challenges.json"])
    assert [(c["outcome"], c["tally"]) for c in stored["challenges"]] == [
        ("upheld", [1, 6, 0]),
        ("pending", None),
    ]
    assert stored["redo_requested"] == [str(resolution.pk)]
    report = Report()
    verify_challenges(events, files, report)
    assert report.findings == []
    assert report.checked == ["challenges matched (2)"]

    def tampered(change: Callable[[dict[str, Any]], None]) -> list[Any]:
        data = json.loads(files["challenges.json"])
        change(data)
        report = Report()
        verify_challenges(
            events, files | {"challenges.json": json.dumps(data).encode()}, report
        )
        return [(f.code, f.detail) for f in report.findings]

    def rejected(data: dict[str, Any]) -> None:
        data["challenges"][0]["outcome"] = "rejected"

    assert tampered(rejected) == [("RECOMPUTED_MISMATCH", "")]
    assert tampered(lambda d: d["challenges"].pop()) == [
        ("RECOMPUTED_MISMATCH", "missing")
    ]
    assert tampered(lambda d: d.update(redo_requested=[])) == [
        ("RECOMPUTED_MISMATCH", "redo_requested")
    ]

    def unknown(data: dict[str, Any]) -> None:
        data["challenges"][0]["id"] = "x"

    assert [c for c, _ in tampered(unknown)] == ["RECOMPUTED_MISMATCH"] * 2
    report = Report()
    verify_challenges(events, files | {"challenges.json": b"{}"}, report)
    assert report.findings[0].detail.startswith("unreadable")
    report = Report()
    verify_challenges(events, {}, report)
    assert report.checked == []
