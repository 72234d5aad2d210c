"""The meeting's file and the home page's tasks (issue 14 point 4): each part of the
record one click away with a status that follows the record, shown only to those
allowed; the attendance-and-quorum timeline as SVG on a page, as a download and in
the minutes' annex; the home page's next meetings and pending tasks, per person."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prachum.allowances import services as allowance_services
from prachum.archive import services as archive_services
from prachum.meetings.models import Meeting, MeetingMode
from prachum.minutes import services as minutes_services
from prachum.notices.delivery import deliver_notice
from prachum.notices.models import NoticeMessage
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import incidents as room_incidents
from prachum.room import lifecycle as room_lifecycle
from prachum.room import participants as room_participants
from prachum.voting import polls
from tests.factories.committees import AllowanceRateFactory
from tests.letters.test_invitation_pdf import pdftotext, skeleton

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("room_settings")]


@pytest.fixture
def held(
    make_meeting: Callable[..., Meeting],
    notify: Callable[[Meeting], Meeting],
    present: Callable[..., Any],
    chair: Any,
    vice_chair: Any,
    secretary: Any,
    members: list[Any],
) -> Meeting:
    """Hybrid. From 10.00 the chair, vice-chair and members 1-2 remote; member3 from
    10.05 to 10.30; member5 signed in at the room at 10.10; opened 10.10; a vote
    10.20-10.25; an incident 10.35; closed 10.40. Members 4 and 6 absent."""
    meeting = notify(make_meeting(mode=MeetingMode.HYBRID, venue="ห้องประชุม 301"))
    with time_machine.travel(meeting.starts_at, tick=False) as clock:  # 10.00 น.
        for user in (chair, vice_chair, members[0], members[1]):
            present(user, meeting)
        clock.shift(300)
        third = present(members[2], meeting)
        clock.shift(300)
        room_participants.sign_in_at_room(
            actor=secretary, meeting=meeting, user=members[4]
        )
        room_lifecycle.open_meeting(actor=chair, meeting=meeting)
        item = meeting.agenda_items.get(position=400)
        room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
        poll = polls.create_poll(
            actor=chair, item=item, kind="motion", question="อนุมัติโครงการ"
        )
        clock.shift(600)
        poll = polls.open_poll(actor=chair, poll=poll)
        clock.shift(300)
        polls.close_poll(actor=chair, poll=poll)
        clock.shift(300)
        room_connections.close_connection(connection_id=third.pk, reason="left")
        clock.shift(300)
        room_incidents.report_incident(
            actor=members[0], meeting=meeting, description="ภาพกระตุก"
        )
        clock.shift(300)
        room_lifecycle.close_meeting(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def _rows(html: str) -> dict[str, tuple[str, str]]:
    """The file's rows: key -> (state, text of the row)."""
    rows = {}
    for key, state, body in re.findall(
        r'<tr class="file-row" id="file-(\w+)" data-state="(\w+)">(.*?)</tr>',
        html,
        re.S,
    ):
        rows[key] = (state, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
    return rows


def _file(client: Client, meeting: Meeting) -> dict[str, tuple[str, str]]:
    response = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 200
    return _rows(response.content.decode())


def test_statuses_follow_the_record_and_link_each_part(
    held: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
    chair: Any,
    vice_chair: Any,
    committee: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(secretary)
    page = client.get(reverse("meetings:detail", args=[held.pk])).content.decode()
    assert "แฟ้มการประชุม" in page
    for url in (
        reverse("minutes:detail", args=[held.pk]),
        reverse("allowances:meeting", args=[held.pk]),
        reverse("meetings:evidence", args=[held.pk]),
        reverse("meetings:timeline", args=[held.pk]),
    ):
        assert f'href="{url}"' in page, url
    assert 'id="file-room-link"' not in page  # the room of a closed meeting is shut
    rows = _file(client, held)
    assert list(rows) == [
        "notice",
        "documents",
        "room",
        "minutes",
        "allowances",
        "package",
        "timeline",
    ]
    assert rows["notice"][0] == "waiting"
    assert (
        "ถึงผู้รับ 9 ราย: ส่งถึงแล้ว 0 ราย รอส่ง 9 ราย ส่งไม่สำเร็จ 0 ราย" in (rows["notice"][1])
    )
    deliver_notice(notice_id=str(held.notices.get().pk))  # the worker's delivery
    state, text = _file(client, held)["notice"]
    assert state == "ok"
    assert "ส่งถึงแล้ว 9 ราย รอส่ง 0 ราย" in text
    assert rows["room"][1].split()[-1] == "ปิดประชุมแล้ว"
    assert rows["minutes"] == ("waiting", rows["minutes"][1])
    assert "ยังไม่ได้จัดทำ" in rows["minutes"][1]
    assert "ยังไม่ได้คำนวณ" in rows["allowances"][1]
    assert "ยังไม่ได้จัดทำ" in rows["package"][1]

    draft = minutes_services.draft_minutes(actor=secretary, meeting=held)
    assert "ร่าง (ฉบับที่ 1)" in _file(client, held)["minutes"][1]
    page = client.get(reverse("meetings:detail", args=[held.pk])).content.decode()
    assert reverse("minutes:pdf", args=[held.pk, draft.version]) in page
    minutes_services.record_minutes_approval(
        actor=vice_chair, version=draft, method="circulation"
    )
    state, text = _file(client, held)["minutes"]
    assert state == "waiting"
    assert "รอการรับรอง" in text
    assert "1 จาก 8" in text
    minutes_services.approve_minutes(actor=chair, version=draft, method="circulation")
    state, text = _file(client, held)["minutes"]
    assert state == "ok"
    assert "รับรองแล้ว" in text
    assert chair.display_name in text

    AllowanceRateFactory(committee=committee)
    run = allowance_services.compute_allowance_run(actor=secretary, meeting=held)
    assert "คำนวณแล้ว รอการยืนยัน" in _file(client, held)["allowances"][1]
    allowance_services.confirm_allowance_run(actor=secretary, run=run)
    state, text = _file(client, held)["allowances"]
    assert state == "ok"
    assert "ยืนยันแล้ว" in text

    package = archive_services.request_package(actor=secretary, meeting=held)
    assert "กำลังจัดทำ: 0%" in _file(client, held)["package"][1]
    with django_capture_on_commit_callbacks(execute=True):
        archive_services.request_package(actor=secretary, meeting=held)
    state, text = _file(client, held)["package"]
    assert state == "ok"
    assert "พร้อมแล้ว" in text
    page = client.get(reverse("meetings:detail", args=[held.pk])).content.decode()
    assert 'id="file-package-download"' in page
    assert str(package.pk) not in page  # the newest package is offered


def test_each_part_only_to_those_allowed(
    held: Meeting, client_for: Callable[..., Client], member: Any, outsider: Any
) -> None:
    rows = _file(client_for(member), held)
    assert "minutes" in rows
    assert "timeline" in rows
    assert "allowances" not in rows
    assert "package" not in rows
    page = (
        client_for(member).get(reverse("meetings:detail", args=[held.pk])).content
    ).decode()
    assert reverse("allowances:meeting", args=[held.pk]) not in page
    outsider_client = client_for(outsider)
    for name in ("meetings:detail", "meetings:timeline", "meetings:timeline_svg"):
        assert outsider_client.get(reverse(name, args=[held.pk])).status_code == 404


def test_the_room_row_offers_to_enter_before_and_during_the_meeting(
    notified_meeting: Meeting, client_for: Callable[..., Client], member: Any
) -> None:
    state, text = _file(client_for(member), notified_meeting)["room"]
    assert state == "waiting"
    assert "ยังไม่เปิดประชุม" in text
    assert "เข้าห้องประชุม" in text


def _svg(client: Client, meeting: Meeting) -> str:
    response = client.get(reverse("meetings:timeline_svg", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return response.content.decode()


def test_the_timeline_has_lanes_the_quorum_line_and_the_marks(
    held: Meeting,
    client_for: Callable[..., Client],
    member: Any,
    chair: Any,
    members: list[Any],
    secretary: Any,
) -> None:
    svg = _svg(client_for(member), held)
    lanes = re.findall(r'<g class="lane" data-user="([^"]+)" data-voting="(\d)"', svg)
    ids = [u for u, _v in lanes]
    assert ids[0] == str(chair.pk)  # members first, the chair at the top
    for user in (chair, members[0], members[2], members[4]):
        assert str(user.pk) in ids
    assert str(secretary.pk) not in ids  # not present, not a voting member
    lane_of = {u: svg.split(f'data-user="{u}"')[1].split("</g>")[0] for u in ids}
    assert 'class="bar bar-in_room"' in lane_of[str(members[4].pk)]
    assert 'class="bar bar-remote"' in lane_of[str(members[0].pk)]
    assert "<rect" not in lane_of[str(members[3].pk)]  # absent: an empty lane
    # Eight voting members: at least half, four (APA s.79).
    assert 'class="quorum" data-required="4"' in svg
    counts = [int(c) for c in re.search(r'data-counts="([^"]+)"', svg).group(1).split()]
    assert counts[:4] == [4, 5, 6, 5]
    assert svg.count('class="mark mark-poll_opened"') == 1
    assert svg.count('class="mark mark-poll_closed"') == 1
    assert svg.count('class="mark mark-incident"') == 1
    assert "10.20 น. เปิดการลงคะแนน: อนุมัติโครงการ" in svg
    assert "10.00 น." in svg  # the time axis, Bangkok time
    assert "ในห้องประชุม" in svg
    assert "องค์ประชุม" in svg


def test_the_timeline_page_is_linked_and_shows_the_picture(
    held: Meeting, client_for: Callable[..., Client], member: Any
) -> None:
    client = client_for(member)
    page = client.get(reverse("meetings:timeline", args=[held.pk])).content.decode()
    assert "<svg" in page
    assert 'class="quorum"' in page
    assert reverse("meetings:timeline_svg", args=[held.pk]) in page


def test_the_timeline_before_anyone_joined_says_so(
    notified_meeting: Meeting, client_for: Callable[..., Client], member: Any
) -> None:
    assert "ยังไม่มีผู้ใดเข้าร่วมการประชุมนี้" in _svg(client_for(member), notified_meeting)


def test_the_minutes_pdf_prints_the_timeline_in_an_annex(
    held: Meeting, secretary: Any, members: list[Any], tmp_path: Path
) -> None:
    from prachum.minutes.pdf import render_minutes_pdf

    draft = minutes_services.draft_minutes(actor=secretary, meeting=held)
    text = skeleton(pdftotext(render_minutes_pdf(draft.content), tmp_path))
    heading = skeleton("ผังการเข้าประชุมและองค์ประชุม")
    assert heading in text
    annex = text.split(heading)[-1]
    assert skeleton(members[4].display_name) in annex
    assert skeleton("องค์ประชุม") in annex


def _tasks(client: Client) -> list[tuple[str, str]]:
    page = client.get(reverse("meetings:home")).content.decode()
    return re.findall(r'<li class="task task-(\w+)" data-meeting="([^"]+)"', page)


def test_home_lists_my_tasks_and_only_mine(
    held: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
    chair: Any,
    member: Any,
    outsider: Any,
    committee: Any,
) -> None:
    assert _tasks(client_for(member)) == []
    draft = minutes_services.draft_minutes(actor=secretary, meeting=held)
    assert _tasks(client_for(member)) == [("minutes", str(held.pk))]
    assert (
        _tasks(client_for(secretary)) == []
    )  # a non-voting secretary does not approve
    minutes_services.record_minutes_approval(
        actor=member, version=draft, method="circulation"
    )
    assert _tasks(client_for(member)) == []  # approved: no longer waiting for them
    assert ("minutes", str(held.pk)) in _tasks(client_for(chair))

    AllowanceRateFactory(committee=committee)
    run = allowance_services.compute_allowance_run(actor=secretary, meeting=held)
    assert _tasks(client_for(secretary)) == [("allowances", str(held.pk))]
    assert ("allowances", str(held.pk)) not in _tasks(client_for(chair))
    allowance_services.confirm_allowance_run(actor=secretary, run=run)
    assert _tasks(client_for(secretary)) == []

    empty = client_for(outsider).get(reverse("meetings:home")).content.decode()
    assert "ไม่มีงานที่รอท่าน" in empty
    assert "ไม่มีการประชุมที่กำลังจะมาถึง" in empty


def test_failed_notices_wait_for_the_secretariat_of_that_meeting(
    notified_meeting: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
    chair: Any,
) -> None:
    assert _tasks(client_for(secretary)) == []
    NoticeMessage.objects.filter(
        notice__meeting=notified_meeting, recipient=chair
    ).update(status=NoticeMessage.Status.FAILED, error="550 mailbox unavailable")
    assert _tasks(client_for(secretary)) == [("notice", str(notified_meeting.pk))]
    assert _tasks(client_for(chair)) == []
    state, text = _file(client_for(secretary), notified_meeting)["notice"]
    assert state == "problem"
    assert "ส่งไม่สำเร็จ 1" in text
    page = (
        client_for(secretary)
        .get(reverse("meetings:detail", args=[notified_meeting.pk]))
        .content.decode()
    )
    assert 'data-status="failed"' in page
    assert "ส่งไม่สำเร็จ" in page


def test_home_lists_my_upcoming_meetings_soonest_first(
    make_meeting: Callable[..., Meeting],
    notify: Callable[[Meeting], Meeting],
    client_for: Callable[..., Client],
    member: Any,
) -> None:
    later = notify(make_meeting(days_ahead=20, title="การประชุมครั้งหลัง"))
    sooner = notify(make_meeting(days_ahead=5, title="การประชุมครั้งก่อน"))
    draft = make_meeting(days_ahead=3, title="การประชุมที่ยังไม่แจ้ง")
    page = client_for(member).get(reverse("meetings:home")).content.decode()
    upcoming = page.split('id="my-upcoming"')[1].split('id="my-tasks"')[0]
    assert upcoming.index(sooner.title) < upcoming.index(later.title)
    assert draft.title not in upcoming
    assert timezone.now() < sooner.starts_at


def test_a_closed_meetings_papers_are_no_longer_offered_for_change(
    held: Meeting,
    notified_meeting: Meeting,
    client_for: Callable[..., Client],
    secretary: Any,
) -> None:
    client = client_for(secretary)
    forms = ('id="agenda-form"', 'id="document-form"', 'id="send-notice"')
    before = client.get(reverse("meetings:detail", args=[notified_meeting.pk]))
    assert all(form in before.content.decode() for form in forms)
    after = client.get(reverse("meetings:detail", args=[held.pk])).content.decode()
    assert not any(form in after for form in forms)
    assert 'id="file-minutes"' in after
