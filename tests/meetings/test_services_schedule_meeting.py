from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.agenda import STANDARD_AGENDA
from prachum.domain.thai_dates import BANGKOK
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings import life, services
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode
from tests.factories import CommitteeFactory, MembershipFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _early_2026(time_machine):
    """The dates below are in 2026-2027; schedule them from a fixed "now" before them."""
    time_machine.move_to(dt.datetime(2026, 1, 5, 9, 0, tzinfo=BANGKOK), tick=False)


def test_a_meeting_cannot_start_in_the_past(committee, secretary):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _schedule(secretary, committee, dt.datetime(2026, 1, 5, 8, 59, tzinfo=BANGKOK))
    assert (excinfo.value.code, excinfo.value.field) == ("STARTS_IN_PAST", "starts_at")
    assert _counts() == before


def _schedule(actor, committee, starts_at, *, hours=2, **overrides):
    fields = {
        "title": "การประชุมคณะกรรมการ",
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=hours),
        "mode": MeetingMode.ELECTRONIC,
    }
    fields.update(overrides)
    return services.schedule_meeting(actor=actor, committee=committee, **fields)


def _counts():
    return (
        Meeting.objects.count(),
        AgendaItem.objects.count(),
        EvidenceEvent.objects.count(),
    )


@time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=BANGKOK), tick=False)
def test_meetings_are_numbered_per_committee_and_buddhist_year(committee, secretary):
    other = CommitteeFactory(agency=committee.agency)
    other_secretary = MembershipFactory(committee=other, secretary=True).user

    starts = [
        dt.datetime(2026, 1, 20, 9, 30, tzinfo=BANGKOK),  # 2569
        dt.datetime(2026, 6, 15, 13, 0, tzinfo=BANGKOK),  # 2569
        # 20:00 UTC on 31 December 2026 is 03:00 on 1 January 2027 in Bangkok: 2570.
        dt.datetime(2026, 12, 31, 20, 0, tzinfo=UTC),
        dt.datetime(2027, 2, 1, 9, 0, tzinfo=BANGKOK),  # 2570
    ]
    meetings = [_schedule(secretary, committee, s) for s in starts]
    first_of_other = _schedule(other_secretary, other, starts[1])
    # 16:59 UTC on 31 December 2026 is 23:59 in Bangkok: still 2569.
    late = _schedule(
        secretary, committee, dt.datetime(2026, 12, 31, 16, 59, tzinfo=UTC)
    )

    # A draft has no number: the first notice gives it (R53), in the order sent.
    assert {m.number for m in [*meetings, first_of_other, late]} == {None}
    for m in [*meetings, first_of_other, late]:
        with transaction.atomic():
            life.give_number(Meeting.objects.select_for_update().get(pk=m.pk))
        m.refresh_from_db()
    numbers = [(m.number, m.buddhist_year) for m in meetings]
    assert numbers == [(1, 2569), (2, 2569), (1, 2570), (2, 2570)]
    assert (first_of_other.number, first_of_other.buddhist_year) == (1, 2569)
    assert (late.number, late.buddhist_year) == (3, 2569)
    stored = Meeting.objects.filter(committee=committee).order_by("starts_at")
    assert [(m.number, m.buddhist_year) for m in stored] == [
        (1, 2569),
        (2, 2569),
        (3, 2569),
        (1, 2570),
        (2, 2570),
    ]


def test_a_meeting_gets_the_standard_agenda_and_an_evidence_event(committee, secretary):
    starts_at = dt.datetime(2026, 6, 15, 9, 30, tzinfo=BANGKOK)

    meeting = _schedule(
        secretary,
        committee,
        starts_at,
        mode=MeetingMode.HYBRID,
        venue="ห้องประชุม 301",
        title="  การประชุม   คณะกรรมการ  ",
    )

    meeting.refresh_from_db()
    assert meeting.title == "การประชุม คณะกรรมการ"
    assert (meeting.status, meeting.created_by) == ("draft", secretary)
    items = list(meeting.agenda_items.order_by("position"))
    assert [(i.position, i.title, i.parent_id) for i in items] == [
        (100 * n, title, None) for n, title in enumerate(STANDARD_AGENDA, start=1)
    ]
    assert len(items) == 5
    (event,) = list_events(chain_key=meeting.chain_key)
    assert (event.kind, event.actor) == ("meeting.scheduled", secretary)
    assert event.payload == {
        "meeting": str(meeting.pk),
        "committee": str(committee.pk),
        "buddhist_year": 2569,
        "adjourned_from": None,
        "title": "การประชุม คณะกรรมการ",
        "starts_at": "2026-06-15T09:30:00+07:00",
        "ends_at": "2026-06-15T11:30:00+07:00",
        "mode": "hybrid",
        "venue": "ห้องประชุม 301",
        "is_secret": False,
        "agenda": list(STANDARD_AGENDA),
        "agenda_items": [{"item": str(i.pk), "title": i.title} for i in items],
    }
    assert check_chain(chain_key=meeting.chain_key).ok


def test_the_meeting_fixture_is_ten_days_ahead(meeting):
    assert meeting.number is None  # given with the first notice
    assert meeting.agenda_items.count() == 5


@pytest.mark.parametrize("who", ["chair", "member", "outsider"])
def test_only_the_secretariat_schedules(request, committee, who):
    actor = request.getfixturevalue(who)
    before = _counts()
    with pytest.raises(PermissionDeniedError) as excinfo:
        _schedule(actor, committee, dt.datetime(2026, 6, 15, 9, tzinfo=BANGKOK))
    assert excinfo.value.code == "NOT_ALLOWED"
    assert _counts() == before


@pytest.mark.parametrize("hours", [0, -1])
def test_a_meeting_must_end_after_it_starts(committee, secretary, hours):
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _schedule(
            secretary,
            committee,
            dt.datetime(2026, 6, 15, 9, tzinfo=BANGKOK),
            hours=hours,
        )
    assert (excinfo.value.code, excinfo.value.field) == ("ENDS_BEFORE_START", "ends_at")
    assert _counts() == before


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"starts_at": dt.datetime(2026, 6, 15, 9, 0)}, "NAIVE_DATETIME"),
        ({"mode": MeetingMode.IN_ROOM}, "VENUE_REQUIRED"),
        ({"mode": "telepathy"}, "BAD_MODE"),
        ({"title": "   "}, "REQUIRED"),
        ({"title": "<b>ประชุม</b>"}, "MARKUP_NOT_ALLOWED"),
        (
            {"venue": "<script>alert(1)</script>", "mode": "in_room"},
            "MARKUP_NOT_ALLOWED",
        ),
    ],
)
def test_bad_input_is_refused(committee, secretary, overrides, code):
    starts = dt.datetime(2026, 6, 15, 9, 0, tzinfo=BANGKOK)
    fields = {
        "title": "การประชุมคณะกรรมการ",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "mode": MeetingMode.ELECTRONIC,
        **overrides,
    }
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        services.schedule_meeting(actor=secretary, committee=committee, **fields)
    assert excinfo.value.code == code
    assert _counts() == before


def test_an_excluded_committee_cannot_schedule(agency):
    procurement = CommitteeFactory(agency=agency, category="procurement")
    secretary = MembershipFactory(committee=procurement, secretary=True).user
    before = _counts()
    with pytest.raises(ServiceError) as excinfo:
        _schedule(secretary, procurement, dt.datetime(2026, 6, 15, 9, tzinfo=BANGKOK))
    assert excinfo.value.code == "DECREE_S5_EXCLUDED"
    assert _counts() == before
