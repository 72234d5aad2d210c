"""A caller votes by keypad on the chair's prompt (issue 17): 1 เห็นชอบ, 2 ไม่เห็นชอบ,
3 งดออกเสียง, through voting's own ballot service; a secret ballot stays unlinkable
(ADR 0008): nothing in the database or the chain puts the caller next to their choice."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from prachum.core.errors import ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.telephony import keypad
from prachum.telephony.error_codes import TelephonyError
from prachum.telephony.models import SipCall
from prachum.voting import ballots, polls
from prachum.voting.models import OpenBallot, VoteParticipation

pytestmark = pytest.mark.django_db


def _item(meeting: Meeting, chair: Any) -> Any:
    item = meeting.agenda_items.order_by("position").last()
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    return item


def test_a_caller_votes_by_keypad_in_an_open_poll(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
) -> None:
    call = dial_in(members[2], sip_meeting)
    item = _item(sip_meeting, chair)
    assert keypad.open_poll_for(call) is None
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติโครงการ", secret=False
    )
    polls.open_poll(actor=chair, poll=poll)
    assert keypad.open_poll_for(call) == poll
    with pytest.raises(ServiceError) as bad:
        keypad.cast_keypad_ballot(call, poll, "7")
    assert bad.value.code == TelephonyError.INVALID_KEY
    keypad.cast_keypad_ballot(call, poll, "2")
    ballot = OpenBallot.objects.get(poll=poll, voter=members[2])
    assert ballot.choice == ["no"]
    assert keypad.open_poll_for(call) is None  # voted already
    with pytest.raises(ServiceError) as twice:
        keypad.cast_keypad_ballot(call, poll, "1")
    assert twice.value.code == "ALREADY_VOTED"
    closed = polls.close_poll(actor=chair, poll=poll)
    assert closed.tally is not None
    assert members[2].pk in set(
        VoteParticipation.objects.filter(poll=poll).values_list("voter", flat=True)
    )


def test_a_keypad_ballot_in_a_secret_poll_is_unlinkable(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    vice_chair: Any,
) -> None:
    call = dial_in(members[2], sip_meeting)
    item = _item(sip_meeting, chair)
    poll = polls.create_poll(
        actor=chair,
        item=item,
        kind="one_of_n",
        question="เลือกผู้แทน",
        options=["ก", "ข", "ค"],
        secret=True,
    )
    polls.open_poll(actor=chair, poll=poll)
    options = [str(o.pk) for o in poll.options.order_by("position")]
    keypad.cast_keypad_ballot(call, poll, "2")  # the caller chooses ข
    ballots.cast_ballot(voter=chair, poll=poll, choice=[options[0]])
    ballots.cast_ballot(voter=vice_chair, poll=poll, choice=[options[2]])
    closed = polls.close_poll(actor=chair, poll=poll)
    assert closed.ballots_cast == 3
    caller, chosen = str(members[2].pk), options[1]
    linked = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            text = json.dumps(row, default=str)
            if (
                caller in text
                and chosen in text
                and not all(o in text for o in options)
            ):
                linked.append((model.__name__, row))
    for event in EvidenceEvent.objects.all():
        text = json.dumps(event.body(), default=str)
        if caller in text and chosen in text and not all(o in text for o in options):
            linked.append(("event", event.kind))
    assert linked == []
    assert not OpenBallot.objects.filter(poll=poll).exists()


def test_an_unidentified_caller_cannot_vote(
    sip_meeting: Meeting,
    new_call: Callable[..., SipCall],
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
) -> None:
    dial_in(members[2], sip_meeting)
    item = _item(sip_meeting, chair)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติ", secret=False
    )
    polls.open_poll(actor=chair, poll=poll)
    stranger = new_call()
    assert keypad.open_poll_for(stranger) is None
    with pytest.raises(ServiceError) as refused:
        keypad.cast_keypad_ballot(stranger, poll, "1")
    assert refused.value.code == TelephonyError.CALLER_NOT_IDENTIFIED
