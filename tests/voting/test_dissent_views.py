"""A member's own dissent from the pages (APA s.83; R52; issue 14 point 7): the room's
"บันทึกความเห็นแย้ง" form and the page of the member's dissents, both through the one
command ``dissent.record``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from prachum.evidence.selectors import list_events
from prachum.meetings.models import AgendaItem, Meeting
from prachum.voting import item_record
from prachum.voting.models import Dissent

pytestmark = pytest.mark.django_db


def _url(name: str, meeting: Meeting) -> str:
    return reverse(f"attendance:{name}", kwargs={"pk": meeting.pk})


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_a_member_records_their_own_dissent_from_the_page(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Any],
) -> None:
    member = voters[3]
    page = client_for(member)
    empty = page.get(_url("my_dissents", room))
    assert empty.status_code == 200
    assert 'id="no-dissent-items"' in empty.content.decode()

    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติโครงการ")
    shown = page.get(_url("my_dissents", room)).content.decode()
    assert f'id="dissent-item-{item.pk}"' in shown
    assert "อนุมัติโครงการ" in shown
    assert "บันทึกความเห็นแย้ง" in shown

    response = page.post(
        _url("my_dissents", room),
        {"item": item.pk, "opinion": "ไม่เห็นด้วย เพราะงบประมาณไม่พอ"},
    )
    assert response.status_code == 302
    assert _messages(response) == [
        ("success", f"บันทึกความเห็นแย้งของ {member.display_name} ในวาระที่ 1 แล้ว")
    ]
    dissent = Dissent.objects.get(item=item)
    assert (dissent.member, dissent.recorded_by) == (member, member)
    event = list_events(chain_key=room.chain_key).last()
    assert event.kind == "item.dissent_recorded"
    assert event.actor == member
    again = page.get(_url("my_dissents", room)).content.decode()
    assert "ไม่เห็นด้วย เพราะงบประมาณไม่พอ" in again


def test_an_empty_opinion_is_refused_in_thai_and_the_text_kept(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Any],
) -> None:
    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    response = client_for(voters[3]).post(
        _url("my_dissents", room), {"item": item.pk, "opinion": "   "}
    )
    assert response.status_code == 400
    assert not Dissent.objects.exists()
    [(level, text)] = _messages(response)
    assert level == "error"
    assert not text.isascii()


def test_an_item_not_attended_or_not_resolved_is_not_offered_nor_accepted(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Any],
) -> None:
    away = voters[6]  # member5 is not at the meeting
    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    page = client_for(away)
    assert f'id="dissent-item-{item.pk}"' not in (
        page.get(_url("my_dissents", room)).content.decode()
    )
    response = page.post(_url("my_dissents", room), {"item": item.pk, "opinion": "x"})
    assert response.status_code == 404
    # the room's form (the same command) refuses too: the service checks it
    refused = page.post(
        _url("dissent", room), {"item": item.pk, "member": away.pk, "opinion": "x"}
    )
    assert _messages(refused)[0][0] == "error"
    assert not Dissent.objects.exists()


def test_a_member_may_not_record_another_members_dissent_from_the_room_form(
    room: Meeting,
    item: AgendaItem,
    voters: list[Any],
    secretary: Any,
    client_for: Callable[..., Any],
) -> None:
    item_record.record_resolution(actor=secretary, item=item, text="อนุมัติ")
    response = client_for(voters[3]).post(
        _url("dissent", room),
        {"item": item.pk, "member": voters[4].pk, "opinion": "ไม่เห็นด้วย"},
    )
    assert _messages(response) == [("error", "ท่านบันทึกได้เฉพาะความเห็นแย้งของท่านเอง")]
    assert not Dissent.objects.exists()


def test_the_room_and_the_meeting_page_lead_to_the_members_dissents(
    room: Meeting,
    voters: list[Any],
    chair: Any,
    client_for: Callable[..., Any],
) -> None:
    body = client_for(voters[3]).get(_url("room", room)).content.decode()
    assert 'id="own-dissent-form"' in body
    assert f'name="member" value="{voters[3].pk}"' in body
    assert _url("my_dissents", room) in body
    detail = client_for(voters[3]).get(
        reverse("meetings:detail", kwargs={"pk": room.pk})
    )
    assert _url("my_dissents", room) in detail.content.decode()
    console = client_for(chair).get(_url("room", room)).content.decode()
    assert 'data-confirm="meeting_close"' in console
    assert 'data-confirm="poll_close"' in console
