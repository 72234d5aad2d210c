from __future__ import annotations

import pytest

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.agenda import item_numbers
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import services
from prachum.meetings.models import AgendaItem, MeetingStatus

pytestmark = pytest.mark.django_db


def _section(meeting, number: int) -> AgendaItem:
    return meeting.agenda_items.get(parent=None, position=number * 100)


def _counts():
    return AgendaItem.objects.count(), EvidenceEvent.objects.count()


def _numbered(meeting) -> list[tuple[str, str]]:
    """The agenda as printed: items in order, children right after their parent."""
    ordered: list[AgendaItem] = []
    for top in meeting.agenda_items.filter(parent=None, is_removed=False).order_by(
        "position"
    ):
        ordered.append(top)
        ordered.extend(top.children.filter(is_removed=False).order_by("position"))
    index = {item.pk: n for n, item in enumerate(ordered)}
    numbers = item_numbers([index.get(i.parent_id) for i in ordered])
    return [(n, i.title) for n, i in zip(numbers, ordered, strict=True)]


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        "<b>x</b>",
        "งบประมาณ <img src=x onerror=alert(1)>",
        "a > b",
        "javascript:alert(1)",
    ],
)
def test_markup_in_a_title_is_refused(meeting, secretary, title):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.add_agenda_item(actor=secretary, meeting=meeting, title=title)
    assert (excinfo.value.code, excinfo.value.field) == ("MARKUP_NOT_ALLOWED", "title")
    assert _counts() == before
    assert not AgendaItem.objects.filter(title__contains="script").exists()


def test_markup_in_a_description_is_refused(meeting, secretary):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.add_agenda_item(
            actor=secretary,
            meeting=meeting,
            title="พิจารณางบประมาณ",
            description='<a href="https://evil.example">ดูเอกสาร</a>',
        )
    assert (excinfo.value.code, excinfo.value.field) == (
        "MARKUP_NOT_ALLOWED",
        "description",
    )
    assert _counts() == before


def test_sub_items_go_under_a_section_in_order(meeting, secretary):
    section4 = _section(meeting, 4)

    first = services.add_agenda_item(
        actor=secretary, meeting=meeting, parent=section4, title="พิจารณางบประมาณ 2570"
    )
    second = services.add_agenda_item(
        actor=secretary,
        meeting=meeting,
        parent=section4,
        title="พิจารณาแผนอัตรากำลัง",
        description="ตามหนังสือที่ มท 0210.5/12",
    )
    extra = services.add_agenda_item(actor=secretary, meeting=meeting, title="เรื่องพิเศษ")

    assert (first.parent, first.position) == (section4, 401)
    assert (second.parent, second.position) == (section4, 402)
    assert (extra.parent, extra.position) == (None, 600)
    numbered = _numbered(meeting)
    assert numbered[3:6] == [
        ("4", section4.title),
        ("4.1", "พิจารณางบประมาณ 2570"),
        ("4.2", "พิจารณาแผนอัตรากำลัง"),
    ]
    assert numbered[-1] == ("6", "เรื่องพิเศษ")

    events = [
        e
        for e in list_events(chain_key=meeting.chain_key)
        if e.kind != "meeting.scheduled"
    ]
    assert [e.kind for e in events] == ["agenda.item_added"] * 3
    assert events[1].payload == {
        "item": str(second.pk),
        "parent": str(section4.pk),
        "title": "พิจารณาแผนอัตรากำลัง",
        "description": "ตามหนังสือที่ มท 0210.5/12",
        "subject": "",
        "is_secret": False,
    }
    assert check_chain(chain_key=meeting.chain_key).ok


def test_a_sub_item_cannot_have_sub_items(meeting, secretary):
    child = services.add_agenda_item(
        actor=secretary, meeting=meeting, parent=_section(meeting, 4), title="4.1"
    )
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.add_agenda_item(
            actor=secretary, meeting=meeting, parent=child, title="x"
        )
    assert (excinfo.value.code, excinfo.value.field) == ("BAD_PARENT", "parent")
    assert _counts() == before


def test_a_parent_from_another_meeting_is_refused(meeting, make_meeting, secretary):
    other = make_meeting(days_ahead=20)
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.add_agenda_item(
            actor=secretary, meeting=meeting, parent=_section(other, 4), title="x"
        )
    assert excinfo.value.code == "BAD_PARENT"
    assert _counts() == before


def test_a_secret_item_is_flagged_and_recorded(meeting, secretary):
    item = services.add_agenda_item(
        actor=secretary,
        meeting=meeting,
        parent=_section(meeting, 4),
        title="พิจารณาการแต่งตั้งผู้บริหาร",
        is_secret=True,
    )

    assert AgendaItem.objects.get(pk=item.pk).is_secret is True
    event = list(list_events(chain_key=meeting.chain_key))[-1]
    assert (event.kind, event.payload["item"], event.payload["is_secret"]) == (
        "agenda.item_added",
        str(item.pk),
        True,
    )


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_adds_items(request, meeting, who):
    actor = request.getfixturevalue(who)
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        services.add_agenda_item(actor=actor, meeting=meeting, title="เรื่องแทรก")
    assert _counts() == before


def test_the_agenda_is_fixed_once_the_meeting_opens(meeting, secretary):
    type(meeting).objects.filter(pk=meeting.pk).update(status=MeetingStatus.OPEN)
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.add_agenda_item(actor=secretary, meeting=meeting, title="เรื่องแทรก")
    assert excinfo.value.code == "MEETING_NOT_EDITABLE"
    assert _counts() == before


def test_a_removed_item_stays_in_the_record_but_leaves_the_agenda(meeting, secretary):
    extra = services.add_agenda_item(actor=secretary, meeting=meeting, title="เรื่องพิเศษ")
    child = services.add_agenda_item(
        actor=secretary, meeting=meeting, parent=extra, title="เรื่องย่อย"
    )

    services.remove_agenda_item(actor=secretary, item=extra)

    assert (
        AgendaItem.objects.filter(pk__in=[extra.pk, child.pk], is_removed=True).count()
        == 2
    )
    assert [n for n, _ in _numbered(meeting)] == ["1", "2", "3", "4", "5"]
    assert list(list_events(chain_key=meeting.chain_key))[-1].payload == {
        "item": str(extra.pk)
    }


def test_the_standard_sections_cannot_be_removed(meeting, secretary):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.remove_agenda_item(actor=secretary, item=_section(meeting, 2))
    assert excinfo.value.code == "STANDARD_ITEM"
    assert _counts() == before
    assert not AgendaItem.objects.filter(is_removed=True).exists()
